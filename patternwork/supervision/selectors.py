"""Reads of supervision, scoped through accounts.access like every read of client data.

The supervisor's page is assembled here from the caseload (reports), so that its rules
(overdue milestones, open risk flags) are the caseload's and the oversight page's, not
copies. Every list is built in a fixed number of queries, whatever the number of
supervisees, clients or ratings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
)

from patternwork.accounts.access import PreparedVisible, Reader, visible
from patternwork.accounts.models import Membership
from patternwork.clients.models import Client
from patternwork.core.prepared import PreparedRead
from patternwork.reports import caseload as caseloads
from patternwork.supervision import rating_chart, rubric
from patternwork.supervision.models import (
    Cosignature,
    CosignSetting,
    ItemRating,
    Rubric,
    SessionRating,
    SupervisionAction,
    SupervisionSession,
)
from patternwork.treatment import plan
from patternwork.treatment.models import Appointment, Course, SessionNote

# The supervisee link as `supervisor.supervisees.filter(pk=..., is_active=True).exists()`
# reads it, compiled once: the session page asks it up to twice per request.
_SUPERVISES = PreparedRead(
    lambda supervisor_id, therapist_id: Membership.objects.filter(
        supervisors=supervisor_id, pk=therapist_id, is_active=True
    ).values_list("pk")[:1],
    int,
    int,
)


def supervises(supervisor: Membership, therapist_id: int) -> bool:
    """Whether this member is the therapist's supervisor (and not the therapist)."""
    return (
        supervisor.role == Membership.Role.SUPERVISOR
        and supervisor.pk != therapist_id
        and bool(_SUPERVISES(supervisor.pk, therapist_id))
    )


def supervisees_of(membership: Membership) -> QuerySet[Membership]:
    """The member's active supervisees by name, with the date of their last supervision
    (`last_supervision`, with any supervisor) and their co-signing setting."""
    if membership.role != Membership.Role.SUPERVISOR:
        return Membership.objects.none()
    return (
        membership.supervisees.filter(is_active=True, practice_id=membership.practice_id)
        .select_related("user", "cosign_setting")
        .annotate(last_supervision=Max("supervision_received__held_on"))
        .order_by("user__full_name", "id")
    )


def notes_waiting_cosign(reader: Reader | Membership) -> QuerySet[SessionNote]:
    """Signed notes that wait for a supervisor's co-signature, oldest first.

    A note waits when its course's therapist must have notes co-signed and it was signed
    after that was turned on.
    """
    return visible(reader, _notes_waiting())


def _notes_waiting() -> QuerySet[SessionNote]:
    """`notes_waiting_cosign` before the reader's scope."""
    return (
        SessionNote.objects.filter(
            signed_at__isnull=False,
            cosignature__isnull=True,
            course__therapist__cosign_setting__required=True,
            signed_at__gte=F("course__therapist__cosign_setting__since"),
        )
        .select_related("appointment", "course__client", "course__therapist__user")
        .order_by("signed_at", "id")
    )


def with_client_shown(
    actions: QuerySet[SupervisionAction], reader: Membership
) -> QuerySet[SupervisionAction]:
    """Annotate `client_shown`: whether the reader may see the action's client.

    In group supervision an action agreed for one supervisee may be about a colleague's
    client, whose name that supervisee may not see; the rule is the record scope's
    (`accounts.access.record_scope`), written as SQL so that it costs no query.
    """
    if reader.role == Membership.Role.ADMIN:
        return actions.annotate(client_shown=Value(True))
    mine = Q(client__therapist_id=reader.pk)
    if reader.role == Membership.Role.SUPERVISOR:
        mine |= Q(
            Exists(
                Membership.supervisees.through.objects.filter(
                    from_membership_id=reader.pk, to_membership_id=OuterRef("client__therapist_id")
                )
            )
        )
    return actions.annotate(client_shown=ExpressionWrapper(mine, output_field=BooleanField()))


def open_actions_for(
    membership: Membership, *, reader: Membership | None = None
) -> QuerySet[SupervisionAction]:
    """The member's own actions from supervision that are not done, by due date, with
    `client_shown` for the reader (the member themself unless given)."""
    return with_client_shown(
        SupervisionAction.objects.filter(
            owner=membership, done_at__isnull=True, session__practice_id=membership.practice_id
        )
        .select_related("session__supervisor__user", "client")
        .order_by("due_on", "id"),
        reader or membership,
    )


# What the lists of open actions and of notes waiting for co-signature show (the
# caseload, the supervisor's page): no note body, no supervision notes and no other
# column of the client, none of them decrypted for a list that does not show them.
ACTION_LIST_COLUMNS = (
    "public_id",
    "owner_id",
    "text",
    "due_on",
    "done_at",
    "client",
    "client__public_id",
    "client__full_name",
    "client__preferred_name",
    "client__client_number",
    "session",
    "session__held_on",
    "session__supervisor",
    "session__supervisor__user",
    "session__supervisor__user__full_name",
)
NOTE_LIST_COLUMNS = (
    "public_id",
    "signed_at",
    "appointment",
    "appointment__public_id",
    "appointment__starts_at",
    "course",
    "course__client",
    "course__client__public_id",
    "course__client__full_name",
    "course__client__preferred_name",
    "course__client__client_number",
    "course__therapist",
    "course__therapist__user",
    "course__therapist__user__full_name",
)


def open_actions_listed(
    membership: Membership, *, reader: Membership | None = None
) -> QuerySet[SupervisionAction]:
    """`open_actions_for` with only the columns a list of them shows."""
    return open_actions_for(membership, reader=reader).only(*ACTION_LIST_COLUMNS)


def notes_waiting_listed(reader: Reader | Membership) -> QuerySet[SessionNote]:
    """`notes_waiting_cosign` with only the columns a list of them shows."""
    return notes_waiting_cosign(reader).only(*NOTE_LIST_COLUMNS)


# The caseload's list of notes waiting for a co-signature, compiled once per shape of
# the reader's scope.
NOTES_WAITING_LISTED = PreparedVisible(lambda: _notes_waiting().only(*NOTE_LIST_COLUMNS))


def _open_actions_read(role: str) -> PreparedRead:
    # A stand-in member of this role whose id and practice are the read's arguments: what
    # the list shows depends on the role (`with_client_shown`), not on who holds it.
    return PreparedRead(
        lambda pk, practice_id: open_actions_listed(
            Membership(pk=pk, practice_id=practice_id, role=role)
        ),
        int,
        int,
    )


_OPEN_ACTIONS = {role: _open_actions_read(role) for role in Membership.Role.values}


def open_actions_of(membership: Membership) -> list[SupervisionAction]:
    """`open_actions_listed(membership)`'s rows, compiled once per role."""
    return _OPEN_ACTIONS[membership.role].rows(membership.pk, membership.practice_id)


def sessions_for(membership: Membership) -> QuerySet[SupervisionSession]:
    """Supervision sessions the member gave or attended, newest first."""
    return (
        SupervisionSession.objects.filter(practice_id=membership.practice_id)
        .filter(Q(supervisor=membership) | Q(supervisees=membership))
        .distinct()
        .select_related("supervisor__user")
        .order_by("-held_on", "-id")
    )


def supervision_records(reader: Reader, membership: Membership) -> QuerySet[SupervisionSession]:
    """The sessions the member gave or attended, as the session page shows them: the
    supervisees, the clients discussed within the reader's scope, and the actions (all of
    them to the session's supervisor, the member's own otherwise, with `client_shown`).

    A fixed number of queries whatever the number of sessions.
    """
    actions = with_client_shown(
        SupervisionAction.objects.filter(Q(owner=membership) | Q(session__supervisor=membership))
        .select_related("owner", "client", "done_by")
        .order_by("due_on", "id"),
        membership,
    )
    return (
        sessions_for(membership)
        .select_related("supervisor")
        .prefetch_related(
            Prefetch("supervisees", queryset=Membership.objects.order_by("id")),
            Prefetch(
                "clients",
                queryset=visible(reader, Client).order_by("full_name", "client_number"),
            ),
            Prefetch("actions", queryset=actions),
        )
    )


def clients_discussed(reader: Reader | Membership, session: SupervisionSession) -> list[Client]:
    """The session's clients that this reader may see: a supervisee in group supervision
    sees their own, never a colleague's."""
    return list(visible(reader, session.clients.all()).order_by("full_name", "client_number"))


def session_actions(session: SupervisionSession, membership: Membership):
    """The session's actions: all for its supervisor, a supervisee's own otherwise."""
    actions = session.actions.select_related("owner__user", "client", "done_by__user")
    if membership.pk != session.supervisor_id:
        actions = actions.filter(owner=membership)
    return with_client_shown(actions, membership).order_by("due_on", "id")


@dataclass
class SuperviseeSummary:
    therapist: Membership
    rows: list = field(default_factory=list)
    flags: list = field(default_factory=list)
    overdue: list = field(default_factory=list)
    no_ipaf: list = field(default_factory=list)
    no_letter: list = field(default_factory=list)
    open_actions: list = field(default_factory=list)
    waiting_cosign: list = field(default_factory=list)
    not_on_track: list = field(default_factory=list)

    @property
    def last_supervision(self) -> dt.date | None:
        return self.therapist.last_supervision

    @property
    def cosign_required(self) -> bool:
        try:
            return self.therapist.cosign_setting.required
        except CosignSetting.DoesNotExist:
            return False


# The milestones that the supervisor's page lists on their own; every other overdue
# milestone is listed under "overdue milestones". Their rules are the plan's.
OWN_LIST_MILESTONES = {plan.IPAF_AGREED, plan.LETTER_DRAFTED}


def supervisor_page(membership: Membership) -> list[SuperviseeSummary]:
    """For each supervisee: caseload, open risk flags, overdue milestones, courses without
    an agreed IPAF by the end of the initial phase, goodbye letters not drafted in time,
    open supervision actions, notes waiting for co-signature and the last supervision.

    and the clients not on track (read once for all supervisees, with the caseload).
    """
    supervisees = list(supervisees_of(membership))
    summaries = {s.pk: SuperviseeSummary(therapist=s) for s in supervisees}
    if not summaries:
        return []
    caseload = caseloads.caseload(membership, appointments=False)
    for row in caseload.rows:
        summary = summaries.get(row.course.therapist_id)
        if summary is None:
            continue
        summary.rows.append(row)
        keys = {m.key for m in row.overdue}
        if plan.IPAF_AGREED in keys:
            summary.no_ipaf.append(row)
        if plan.LETTER_DRAFTED in keys:
            summary.no_letter.append(row)
        if keys - OWN_LIST_MILESTONES:
            summary.overdue.append(row)
    for flag in caseload.flags:
        summary = summaries.get(flag.course.therapist_id)
        if summary is not None:
            summary.flags.append(flag)
    for track in caseload.not_on_track:
        summary = summaries.get(track.course.therapist_id)
        if summary is not None:
            summary.not_on_track.append(track)
    for action in with_client_shown(
        SupervisionAction.objects.filter(
            owner_id__in=summaries,
            done_at__isnull=True,
            session__practice_id=membership.practice_id,
        )
        .select_related("client", "session__supervisor__user")
        .only(*ACTION_LIST_COLUMNS)
        .order_by("due_on", "id"),
        membership,
    ):
        summaries[action.owner_id].open_actions.append(action)
    for note in notes_waiting_listed(membership).filter(course__therapist_id__in=summaries):
        summaries[note.course.therapist_id].waiting_cosign.append(note)
    return list(summaries.values())


# Ratings ---------------------------------------------------------------------------


def current_rubric(practice_id: int) -> Rubric | None:
    return (
        Rubric.objects.filter(practice_id=practice_id, is_current=True)
        .prefetch_related("items")
        .first()
    )


def rating_rows() -> QuerySet[SessionRating]:
    return SessionRating.objects.select_related(
        "appointment", "course__client", "therapist__user", "rater__user", "rubric"
    ).prefetch_related(
        Prefetch(
            "items", queryset=ItemRating.objects.select_related("item").order_by("item__position")
        )
    )


def ratings_of(reader: Reader | Membership, therapist: Membership) -> list[SessionRating]:
    """The therapist's rated sessions that the reader may see, oldest first."""
    return list(
        visible(reader, rating_rows())
        .filter(therapist=therapist)
        .order_by("appointment__starts_at", "id")
    )


def domain_means_of(rating: SessionRating) -> dict[str, float]:
    return rubric.domain_means((i.item.domain, i.competence) for i in rating.items.all())


def ratings_chart(ratings: list[SessionRating]) -> rating_chart.Chart | None:
    """Competence per domain over the rated sessions (pure layout; the template draws it)."""
    return rating_chart.build_chart(
        [(f"{r.appointment.starts_at:%d %b}", domain_means_of(r)) for r in ratings],
        [d.value for d in rubric.Domain],
    )


# The member's courses' attended sessions and ratings, each read by the courses in the
# reader's scope as a subquery: compiled once per shape of the scope, run with its values.
_COVERED_SESSIONS = PreparedVisible(
    lambda: Course.objects.all(),
    then=lambda courses: (
        Appointment.objects.attended_treatment()
        .filter(course__in=courses.values("pk"))
        .filter(session_number__isnull=False)
        .values_list("course_id", "session_number", "course__planned_sessions")
    ),
)
_COVERED_RATINGS = PreparedVisible(
    lambda: Course.objects.all(),
    then=lambda courses: SessionRating.objects.filter(course__in=courses.values("pk")).values_list(
        "course_id", "phase"
    ),
)


def rating_coverage(membership: Membership) -> tuple[rubric.Coverage, ...]:
    """Per phase: the member's courses with an attended session in it, and those of them
    with at least one rated session in it (counts only, no clinical content)."""
    sessions = _COVERED_SESSIONS(membership)
    # A practice's sessions share a few (number, planned) pairs: each pair's phase is
    # worked out once, not once per session, and each phase's courses are gathered by a
    # comprehension (a practice has hundreds of sessions).
    phase_of = {
        pair: _rated_phase(plan.phase_for(*pair).value)
        for pair in {(number, planned) for _course, number, planned in sessions}
    }
    reached = {
        phase: {
            course for course, number, planned in sessions if phase_of[number, planned] == phase
        }
        for phase in rubric.PHASES
    }
    ratings = _COVERED_RATINGS(membership)
    rated_as = {phase: _rated_phase(phase) for phase in {phase for _course, phase in ratings}}
    return rubric.coverage(
        {phase: len(courses) for phase, courses in reached.items()},
        {
            phase: len({course for course, rated in ratings if rated_as[rated] == phase} & courses)
            for phase, courses in reached.items()
        },
    )


def _rated_phase(phase: str) -> str:
    # Sessions beyond the plan are rated on the ending items (rubric.applies_in).
    return plan.Phase.ENDING.value if phase == plan.Phase.OVER_PLAN.value else phase


@dataclass(frozen=True)
class SessionSupervision:
    """What the session page shows of supervision: the note's co-signature and the rating."""

    cosignature: object | None
    may_cosign: bool
    rated: bool
    may_rate: bool


# The session page's two reads, compiled once: a note has one co-signature at most and an
# appointment one rating (both one-to-one).
_COSIGNATURE = PreparedRead(
    lambda note_id: (
        Cosignature.objects.filter(note_id=note_id)
        .select_related("supervisor__user")
        .order_by()[:1]
    ),
    int,
)
_RATED = PreparedRead(
    lambda appointment_id: (
        SessionRating.objects.filter(appointment_id=appointment_id).order_by().values_list("pk")[:1]
    ),
    int,
)


def session_supervision(
    appointment: Appointment, note: SessionNote | None, membership: Membership
) -> SessionSupervision:
    found = _COSIGNATURE.rows(note.pk) if note is not None and note.is_signed else ()
    cosignature = found[0] if found else None
    is_supervisor = supervises(membership, appointment.course.therapist_id)
    rated = bool(_RATED(appointment.pk))
    return SessionSupervision(
        cosignature=cosignature,
        may_cosign=bool(note and note.is_signed and cosignature is None and is_supervisor),
        rated=rated,
        may_rate=is_supervisor
        and appointment.session_number is not None
        and appointment.status == Appointment.Status.ATTENDED,
    )
