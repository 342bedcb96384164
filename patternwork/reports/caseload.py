"""Reads that span the course's apps: the caseload and the course's milestones.

A course's milestones need facts from treatment (sessions attended), measures (sessions
missing questionnaires, open risk flags), formulation (relationship review, IPAF agreed)
and letters (goodbye letter drafted and shared). Reports is the lowest app that may read
all of them, so the caseload and the course overview are built here, each in a fixed
number of queries whatever the number of courses.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from patternwork.accounts.access import PreparedVisible, visible
from patternwork.accounts.models import Membership
from patternwork.clients.models import Client, display_name
from patternwork.core.prepared import PreparedRead
from patternwork.formulation.selectors import with_formulation_facts
from patternwork.letters.selectors import with_letter_facts
from patternwork.measures import track_selectors
from patternwork.measures.flag_selectors import OPEN_FLAGS_LISTED
from patternwork.measures.selectors import (
    CourseMeasures,
    course_measures,
    missing_by_course,
    missing_measures_of,
    missing_measures_rows,
    sessions_missing_measures,
)
from patternwork.measures.track_selectors import NotOnTrack
from patternwork.treatment import plan, scheduling
from patternwork.treatment.models import Appointment, Course
from patternwork.treatment.selectors import (
    CourseView,
    course_view,
    current_phase,
)
from patternwork.treatment.waiting_selectors import with_waiting


def with_milestone_facts(courses: QuerySet[Course]) -> QuerySet[Course]:
    """Annotate what the milestones need from formulation and letters."""
    return with_letter_facts(with_formulation_facts(courses))


def course_facts(
    course: Course, attended: int, missing_measures: tuple[int, ...] = ()
) -> plan.CourseFacts:
    """What the plan's milestones need to know about a course.

    `course` carries the annotations of formulation's `with_formulation_facts` and
    letters' `with_letter_facts`.
    """
    return plan.CourseFacts(
        planned=course.planned_sessions,
        attended=attended,
        relationships_reviewed=bool(getattr(course, "relationships_reviewed", False)),
        ipaf_agreed=bool(getattr(course, "ipaf_agreed", False)),
        sessions_missing_measures=missing_measures,
        letter_drafted=bool(getattr(course, "letter_drafted", False)),
        letter_shared=bool(getattr(course, "letter_shared", False)),
        letter_share_session=course.letter_share_session,
        ended=course.state == Course.State.ENDED,
        end_reason=course.end_reason,
    )


@dataclass(frozen=True, slots=True, eq=False)
class CourseRef:
    """The columns of a course that a caseload row shows, read without the model.

    A row is read as plain values (no model instance, no decryption, no related rows):
    a caseload of fifty courses builds fifty small tuples, not a hundred and fifty model
    instances. It equals the `Course` it was read from, so callers may compare it with one.
    """

    pk: int
    public_id: UUID
    state: str
    planned_sessions: int
    therapist_id: int
    therapist_name: str

    @property
    def id(self) -> int:
        return self.pk

    @property
    def state_label(self) -> str:
        return str(Course.State(self.state).label)

    def get_state_display(self) -> str:
        return self.state_label

    def __eq__(self, other: object) -> bool:
        if isinstance(other, CourseRef | Course):
            return self.pk == other.pk
        return NotImplemented

    def __hash__(self) -> int:
        return hash(("course", self.pk))


@dataclass(frozen=True, slots=True, eq=False)
class ClientRef:
    """The columns of a client that a caseload row shows; equals the `Client` it names.

    Its rows link to the course or the appointment, so the client's public id is not read.
    """

    pk: int
    full_name: str
    preferred_name: str
    client_number: str

    @property
    def id(self) -> int:
        return self.pk

    @property
    def display_name(self) -> str:
        return display_name(self.full_name, self.preferred_name)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ClientRef | Client):
            return self.pk == other.pk
        return NotImplemented

    def __hash__(self) -> int:
        return hash(("client", self.pk))


@dataclass(slots=True)
class CaseloadRow:
    course: CourseRef
    client: ClientRef
    attended: int
    phase: plan.Phase
    next_start: datetime | None
    overdue: tuple[plan.Milestone, ...]


@dataclass(frozen=True, slots=True)
class UpcomingAppointment:
    """An appointment in the caseload's today and this-week lists, read as plain values."""

    public_id: UUID
    starts_at: datetime
    status: str
    client: ClientRef
    therapist_name: str

    @property
    def status_label(self) -> str:
        return str(Appointment.Status(self.status).label)

    def get_status_display(self) -> str:
        return self.status_label


@dataclass
class Caseload:
    rows: list[CaseloadRow]
    today: list[UpcomingAppointment]
    week: list[UpcomingAppointment]
    flags: list = field(default_factory=list)
    not_on_track: list = field(default_factory=list)

    @property
    def off_track_ids(self) -> set[int]:
        return {row.flag.course_id for row in self.not_on_track}


# The columns a caseload row reads, in the order `caseload` and `_overdue_of` unpack them.
ROW_COLUMNS = (
    "pk",
    "public_id",
    "state",
    "planned_sessions",
    "therapist_id",
    "therapist__user__full_name",
    "client_id",
    "client__full_name",
    "client__preferred_name",
    "client__client_number",
    "letter_share_session",
    "end_reason",
    "attended",
    "next_start",
    "relationships_reviewed",
    "ipaf_agreed",
    "letter_drafted",
    "letter_shared",
)


def _overdue_of(
    values: tuple, missing: tuple[int, ...], known: dict[tuple, tuple[plan.Milestone, ...]]
) -> tuple[plan.Milestone, ...]:
    """The overdue milestones of an active course (none for any other), from its row.

    Courses at the same point with the same facts have the same milestones, so `known`
    keeps them for the rest of the list: the plan is asked once per distinct set of facts.
    """
    (_, _, state, planned, _, _, _, _, _, _, share, end_reason, attended, _, *facts) = values
    if state != Course.State.ACTIVE:
        return ()
    key = (planned, attended, share, end_reason, missing, *facts)
    found = known.get(key)
    if found is None:
        reviewed, agreed, drafted, shared = facts
        found = known[key] = plan.overdue(
            plan.CourseFacts(
                planned=planned,
                attended=attended,
                relationships_reviewed=bool(reviewed),
                ipaf_agreed=bool(agreed),
                sessions_missing_measures=missing,
                letter_drafted=bool(drafted),
                letter_shared=bool(shared),
                letter_share_session=share,
                ended=False,
                end_reason=end_reason,
            )
        )
    return found


def _course_rows(now: datetime, text: str, state: str, therapist) -> QuerySet:
    """The open courses as `ROW_COLUMNS`, by client name, before the reader's scope."""
    # Each course's count and next appointment as subqueries on the appointments'
    # (course, time) index rather than a join grouped by every column of the course:
    # the same values, for about a third of the database's time on a caseload of fifty.
    appointments = Appointment.objects.filter(course_id=OuterRef("pk")).order_by()
    attended = (
        appointments.attended_treatment()
        .values("course_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    next_start = (
        appointments.filter(status=Appointment.Status.BOOKED, starts_at__gt=now)
        .order_by("starts_at")
        .values("starts_at")[:1]
    )
    courses = (
        with_milestone_facts(_open_courses(text, state, therapist))
        .annotate(
            attended=Coalesce(Subquery(attended), 0),
            next_start=Subquery(next_start),
        )
        .order_by("client__full_name")
    )
    return courses.values_list(*ROW_COLUMNS)


def _open_courses(text: str, state: str, therapist) -> QuerySet[Course]:
    """The courses a caseload lists (not ended, with the filters given), before the scope."""
    courses = Course.objects.exclude(state=Course.State.ENDED)
    if text:
        courses = courses.filter(
            Q(client__full_name__icontains=text)
            | Q(client__preferred_name__icontains=text)
            | Q(client__client_number__icontains=text)
        )
    if state:
        courses = courses.filter(state=state)
    if therapist:
        courses = courses.filter(therapist__public_id=therapist)
    return courses


def _caseload_reads(by_state: bool, by_therapist: bool) -> tuple[PreparedVisible, PreparedVisible]:
    """The caseload's courses and their sessions missing questionnaires, compiled once per
    filter shape (a state chosen or not, a therapist chosen or not) and reader's scope."""
    kinds = (str,) * by_state + (UUID,) * by_therapist

    def filters(args: tuple) -> tuple:
        state = args[0] if by_state else ""
        therapist = args[-1] if by_therapist else ""
        return state, therapist

    return (
        PreparedVisible(lambda at, *args: _course_rows(at, "", *filters(args)), datetime, *kinds),
        PreparedVisible(
            lambda *args: _open_courses("", *filters(args)),
            *kinds,
            then=lambda courses: missing_measures_rows(courses.values("pk")),
        ),
    )


_CASELOAD_READS = {
    (by_state, by_therapist): _caseload_reads(by_state, by_therapist)
    for by_state in (False, True)
    for by_therapist in (False, True)
}


def caseload(
    membership: Membership,
    *,
    query: str = "",
    phase: str = "",
    state: str = "",
    overdue_only: bool = False,
    therapist: str = "",
    appointments: bool = True,
) -> Caseload:
    """The member's open courses with n of N, phase, next appointment and overdue items.

    `appointments=False` leaves out today's and this week's appointments, for the pages
    that do not show them (oversight, the supervisor's page): one query fewer.
    """
    now = timezone.now()
    text = query.strip()
    if text:
        # A search is rare and its text is the user's: built for this request alone.
        found = list(visible(membership, _course_rows(now, text, state, therapist)))
        ids = [values[0] for values in found]
        missing = missing_by_course(missing_measures_rows(ids))
    else:
        # The usual caseload: its SQL made once per filter and scope shape, run with the
        # reader's scope, the filters and the time as arguments.
        courses, missing_of = _CASELOAD_READS[(bool(state), bool(therapist))]
        filters = (*((state,) if state else ()), *((UUID(therapist),) if therapist else ()))
        found = courses(membership, now, *filters)
        missing = missing_by_course(missing_of(membership, *filters)) if found else {}
    rows = []
    known: dict[tuple, tuple[plan.Milestone, ...]] = {}
    # Courses at the same point share a phase: worked out once per (attended, planned).
    phases: dict[tuple[int, int], plan.Phase] = {}
    for values in found:
        (pk, public_id, course_state, planned, therapist_id, therapist_name) = values[:6]
        attended = values[12]
        course_phase = phases.get((attended, planned))
        if course_phase is None:
            course_phase = phases[attended, planned] = current_phase(attended, planned)
        row = CaseloadRow(
            course=CourseRef(pk, public_id, course_state, planned, therapist_id, therapist_name),
            client=ClientRef(*values[6:10]),
            attended=attended,
            phase=course_phase,
            next_start=values[13],
            overdue=_overdue_of(values, missing.get(pk, ()), known),
        )
        if phase and row.phase != phase:
            continue
        if overdue_only and not row.overdue:
            continue
        rows.append(row)
    todays, week = _upcoming(membership, now) if appointments else ([], [])
    return Caseload(
        rows=rows,
        today=todays,
        week=week,
        flags=OPEN_FLAGS_LISTED.rows(membership),
        not_on_track=_not_on_track(membership),
    )


# The open not-on-track flags a list shows, and the valid PHQ-9 totals of their courses
# for the charts (a subquery of the same flags), each compiled once per scope shape.
_NOT_ON_TRACK = PreparedVisible(track_selectors.open_listed_rows)
_NOT_ON_TRACK_SCORES = PreparedVisible(
    track_selectors.open_flags_rows,
    then=lambda flags: track_selectors.score_rows(flags.values("course_id")),
)
# A practice's change curves; a member's flags are all of their own practice.
_CURVES = PreparedRead(lambda practice_id: track_selectors.curve_rows([practice_id]), int)


def _not_on_track(membership: Membership) -> list[NotOnTrack]:
    """`measures.track_selectors.not_on_track_for`, its three reads compiled once."""
    flags = _NOT_ON_TRACK.rows(membership)
    if not flags:
        return []
    practices = {flag.practice_id for flag in flags}
    curves = _CURVES(*practices) if len(practices) == 1 else track_selectors.curve_rows(practices)
    return track_selectors.why_rows(
        flags,
        track_selectors.curves_of(curves),
        track_selectors.scores_of(_NOT_ON_TRACK_SCORES(membership)),
    )


def _upcoming_rows(start: datetime, end: datetime) -> QuerySet:
    """The appointments from `start` to before `end`, as `_upcoming` reads them, before
    the reader's scope."""
    return (
        Appointment.objects.filter(starts_at__gte=start, starts_at__lt=end)
        .order_by("starts_at")
        .values_list(
            "public_id",
            "starts_at",
            "status",
            "course__client_id",
            "course__client__full_name",
            "course__client__preferred_name",
            "course__client__client_number",
            "therapist__user__full_name",
        )
    )


_UPCOMING = PreparedVisible(_upcoming_rows, datetime, datetime)


def _upcoming(
    membership: Membership, now: datetime
) -> tuple[list[UpcomingAppointment], list[UpcomingAppointment]]:
    """Today's appointments and the rest of the week's, from the practice's midnight."""
    practice = membership.practice
    local_today = scheduling.local_date(practice, now)
    midnight = datetime.min.time()
    week_end = local_today + timedelta(days=7)
    upcoming = _UPCOMING(
        membership,
        scheduling.local_start(practice, local_today, midnight),
        scheduling.local_start(practice, week_end, midnight),
    )
    # Today's appointments are those before the practice's next midnight: the same split
    # as comparing each one's local date with today's, one comparison an appointment.
    tomorrow = scheduling.local_start(practice, local_today + timedelta(days=1), midnight)
    todays, week = [], []
    for public_id, starts_at, status, *client, therapist_name in upcoming:
        appointment = UpcomingAppointment(
            public_id, starts_at, status, ClientRef(*client), therapist_name
        )
        (todays if starts_at < tomorrow else week).append(appointment)
    return todays, week


def course_overview(course: Course) -> CourseView:
    """The course page: treatment's timeline and projection, with the plan's milestones."""
    view = course_view(course)
    facts = course_facts(
        with_milestone_facts(Course.objects.filter(pk=course.pk)).get(),
        view.attended,
        sessions_missing_measures([course.pk]).get(course.pk, ()),
    )
    return dataclasses.replace(view, milestones=plan.milestones(facts))


def course_page_rows() -> QuerySet[Course]:
    """The course page's course, for `accounts.access.fetch`: its client, therapist and
    practice, the milestone facts and whether it is on the waiting list, all in the one
    query that fetches it. The client's closing reason, which the page does not show, is
    left encrypted."""
    return with_waiting(
        with_milestone_facts(Course.objects.select_related("client", "therapist__user", "practice"))
    ).defer("client__close_override_reason")


def course_page(course: Course, *, clinical: bool) -> tuple[CourseView, CourseMeasures | None]:
    """`course_overview` of a course from `course_page_rows`, with its measures for a
    reader of its clinical content: the course's appointments are read once for the
    timeline, the chart, the outcome and the milestones."""
    view = course_view(course)
    measures = None
    if clinical:
        measures = course_measures(
            course, appointments=[item.appointment for item in view.timeline]
        )
        missing = missing_measures_of(measures)
    else:
        missing = sessions_missing_measures([course.pk]).get(course.pk, ())
    facts = course_facts(course, view.attended, missing)
    return dataclasses.replace(view, milestones=plan.milestones(facts)), measures
