"""Reads of courses, appointments and notes, always scoped to the member asking.

Every list here is built in a fixed number of queries, whatever the number of clients
or sessions: counts and next dates are annotations, related rows are joined.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet
from django.utils import timezone

from patternwork.accounts.access import (
    clinical_scope,
    deny_not_found,
    record_scope,
    scope_filter,
)
from patternwork.accounts.models import Membership
from patternwork.audit.services import record
from patternwork.measures.flag_selectors import open_flags_for
from patternwork.treatment import plan, scheduling
from patternwork.treatment.models import Appointment, CalendarFeed, Course, SessionNote
from patternwork.treatment.services.calendar import hash_token

ATTENDED = Q(
    appointments__status=Appointment.Status.ATTENDED,
    appointments__kind=Appointment.Kind.TREATMENT,
)


def courses_for(membership: Membership) -> QuerySet[Course]:
    return Course.objects.filter(
        Q(practice_id=membership.practice_id) & scope_filter(record_scope(membership))
    ).select_related("client", "therapist__user", "practice")


def get_course_for(membership: Membership, public_id, *, user) -> Course:
    course = courses_for(membership).filter(public_id=public_id).first()
    if course is None:
        raise deny_not_found(
            user=user, membership=membership, object_type="treatment.course", object_id=public_id
        )
    return course


def appointments_for(membership: Membership) -> QuerySet[Appointment]:
    return Appointment.objects.filter(
        Q(practice_id=membership.practice_id)
        & scope_filter(record_scope(membership), "course__therapist_id")
    ).select_related("course__client", "course__practice", "therapist__user")


def get_appointment_for(membership: Membership, public_id, *, user) -> Appointment:
    appointment = appointments_for(membership).filter(public_id=public_id).first()
    if appointment is None:
        raise deny_not_found(
            user=user,
            membership=membership,
            object_type="treatment.appointment",
            object_id=public_id,
        )
    return appointment


def can_read_clinical(membership: Membership, course: Course) -> bool:
    scope = clinical_scope(membership)
    return scope is None or course.therapist_id in scope


def notes_visible(membership: Membership, course: Course, *, user) -> bool:
    """Whether the member may read this course's notes; an admin's read is audited."""
    if not can_read_clinical(membership, course):
        return False
    if membership.role == Membership.Role.ADMIN:
        record(
            action="note.read_by_admin",
            actor=user,
            actor_role=membership.role,
            practice=membership.practice,
            obj=course,
        )
    return True


def get_note_appointment_for(membership: Membership, public_id, *, user) -> Appointment:
    """An appointment whose note the member may read and write; else an audited 404."""
    appointment = appointments_for(membership).filter(public_id=public_id).first()
    if appointment is None or not can_read_clinical(membership, appointment.course):
        raise deny_not_found(
            user=user,
            membership=membership,
            object_type="treatment.sessionnote",
            object_id=public_id,
        )
    return appointment


def note_for(appointment: Appointment) -> SessionNote | None:
    return (
        SessionNote.objects.filter(appointment=appointment)
        .select_related("author__user", "signed_by__user")
        .prefetch_related("amendments__author__user")
        .first()
    )


def sessions_missing_measures(course_ids) -> dict[int, tuple[int, ...]]:
    """Attended session numbers lacking a complete PHQ-9 or GAD-7, per course (one query)."""
    rows = (
        Appointment.objects.filter(
            course_id__in=list(course_ids),
            status=Appointment.Status.ATTENDED,
            kind=Appointment.Kind.TREATMENT,
        )
        .annotate(
            measures=Count(
                "responses__instrument",
                filter=Q(
                    responses__status="complete",
                    responses__instrument__in=[plan.PHQ9, plan.GAD7],
                ),
                distinct=True,
            )
        )
        .filter(measures__lt=2)
        .order_by("course_id", "session_number")
        .values_list("course_id", "session_number")
    )
    missing: dict[int, list[int]] = {}
    for course_id, number in rows:
        missing.setdefault(course_id, []).append(number)
    return {course_id: tuple(numbers) for course_id, numbers in missing.items()}


def course_facts(
    course: Course, attended: int, missing_measures: tuple[int, ...] = ()
) -> plan.CourseFacts:
    """What the plan's milestones need to know about a course.

    `course` carries the annotations of `with_formulation_facts` and `with_letter_facts`.
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


def with_formulation_facts(courses: QuerySet[Course]) -> QuerySet[Course]:
    """Annotate: has the relationship review begun; is an IPAF version agreed."""
    from patternwork.formulation.models import Episode, IpafVersion, Person

    return courses.annotate(
        relationships_reviewed=Exists(Person.objects.filter(client_id=OuterRef("client_id")))
        | Exists(Episode.objects.filter(client_id=OuterRef("client_id"))),
        ipaf_agreed=Exists(
            IpafVersion.objects.filter(course_id=OuterRef("pk"), agreed_on__isnull=False)
        ),
    )


def with_letter_facts(courses: QuerySet[Course]) -> QuerySet[Course]:
    """Annotate: is the goodbye letter drafted; has it been shared with the client."""
    from patternwork.letters.models import Letter

    return courses.annotate(
        letter_drafted=Exists(Letter.objects.filter(course_id=OuterRef("pk"))),
        letter_shared=Exists(
            Letter.objects.filter(course_id=OuterRef("pk"), shared_at__isnull=False)
        ),
    )


def current_phase(attended: int, planned: int) -> plan.Phase:
    return plan.phase_for(max(attended, 1), planned)


@dataclass
class CaseloadRow:
    course: Course
    attended: int
    phase: plan.Phase
    next_start: datetime | None
    overdue: tuple[plan.Milestone, ...]

    @property
    def client(self):
        return self.course.client


@dataclass
class Caseload:
    rows: list[CaseloadRow]
    today: list[Appointment]
    week: list[Appointment]
    flags: list = field(default_factory=list)


def caseload(
    membership: Membership,
    *,
    query: str = "",
    phase: str = "",
    state: str = "",
    overdue_only: bool = False,
    therapist: str = "",
) -> Caseload:
    """The member's open courses with n of N, phase, next appointment and overdue items."""
    now = timezone.now()
    courses = (
        with_letter_facts(
            with_formulation_facts(courses_for(membership).exclude(state=Course.State.ENDED))
        )
        .annotate(
            attended=Count("appointments", filter=ATTENDED),
            next_start=Min(
                "appointments__starts_at",
                filter=Q(
                    appointments__status=Appointment.Status.BOOKED,
                    appointments__starts_at__gt=now,
                ),
            ),
        )
        .order_by("client__full_name")
    )
    if query.strip():
        text = query.strip()
        courses = courses.filter(
            Q(client__full_name__icontains=text)
            | Q(client__preferred_name__icontains=text)
            | Q(client__client_number__icontains=text)
        )
    if state:
        courses = courses.filter(state=state)
    if therapist:
        courses = courses.filter(therapist__public_id=therapist)
    courses = list(courses)
    missing = sessions_missing_measures([c.pk for c in courses])
    rows = []
    for course in courses:
        facts = course_facts(course, course.attended, missing.get(course.pk, ()))
        row = CaseloadRow(
            course=course,
            attended=course.attended,
            phase=current_phase(course.attended, course.planned_sessions),
            next_start=course.next_start,
            overdue=plan.overdue(facts) if course.state == Course.State.ACTIVE else (),
        )
        if phase and row.phase != phase:
            continue
        if overdue_only and not row.overdue:
            continue
        rows.append(row)
    local_today = scheduling.local_date(membership.practice, now)
    week_end = local_today + timedelta(days=7)
    upcoming = list(
        appointments_for(membership)
        .filter(
            starts_at__gte=scheduling.local_start(
                membership.practice, local_today, datetime.min.time()
            ),
            starts_at__lt=scheduling.local_start(
                membership.practice, week_end, datetime.min.time()
            ),
        )
        .order_by("starts_at")
    )
    todays = [
        a
        for a in upcoming
        if scheduling.local_date(membership.practice, a.starts_at) == local_today
    ]
    return Caseload(
        rows=rows,
        today=todays,
        week=[a for a in upcoming if a not in todays],
        flags=list(open_flags_for(membership)),
    )


@dataclass
class TimelineItem:
    appointment: Appointment
    phase: plan.Phase | None
    has_note: bool
    # For a booked treatment appointment: the session it becomes if this and every
    # earlier booked one are attended.
    expected_number: int | None = None


@dataclass
class CourseView:
    course: Course
    timeline: list[TimelineItem]
    attended: int
    phase: plan.Phase
    bounds: plan.PhaseBounds
    projection: plan.Projection | None
    milestones: tuple[plan.Milestone, ...]
    closures: dict[date, str]

    @property
    def share_session(self) -> int:
        return self.course.letter_share_session or self.course.planned_sessions - 1


def course_view(course: Course) -> CourseView:
    """The course page: timeline with phases, projection and milestones, in fixed queries."""
    practice = course.practice
    appointments = list(course.appointments.select_related("note").order_by("starts_at", "id"))
    treatment = [a for a in appointments if a.kind == Appointment.Kind.TREATMENT]
    attended = sum(1 for a in treatment if a.status == Appointment.Status.ATTENDED)
    timeline = []
    position = 0
    for appointment in appointments:
        number = appointment.session_number
        expected = None
        if number:
            position = number
        elif (
            appointment.kind == Appointment.Kind.TREATMENT
            and appointment.status == Appointment.Status.BOOKED
        ):
            position += 1
            expected = position
        shown = number or expected
        phase = plan.phase_for(shown, course.planned_sessions) if shown else None
        timeline.append(TimelineItem(appointment, phase, hasattr(appointment, "note"), expected))
    closed = scheduling.closures(practice)
    projection = None
    if course.state == Course.State.ACTIVE and treatment:
        booked = [
            scheduling.local_date(practice, a.starts_at)
            for a in treatment
            if a.status == Appointment.Status.BOOKED
        ]
        attended_dates = [
            scheduling.local_date(practice, a.starts_at)
            for a in treatment
            if a.status == Appointment.Status.ATTENDED
        ]
        projection = plan.project_course(
            planned=course.planned_sessions,
            attended=attended,
            booked=booked,
            cadence=course.cadence,
            closures=closed,
            latest=scheduling.local_date(practice, treatment[-1].starts_at),
            last_attended=attended_dates[-1] if attended_dates else None,
            today=scheduling.today(practice),
        )
    return CourseView(
        course=course,
        timeline=timeline,
        attended=attended,
        phase=current_phase(attended, course.planned_sessions),
        bounds=plan.phase_bounds(course.planned_sessions),
        projection=projection,
        milestones=plan.milestones(
            course_facts(
                with_letter_facts(
                    with_formulation_facts(Course.objects.filter(pk=course.pk))
                ).get(),
                attended,
                sessions_missing_measures([course.pk]).get(course.pk, ()),
            )
        ),
        closures=closed,
    )


def open_feed_for(membership: Membership):
    return membership.calendar_feeds.filter(revoked_at__isnull=True).first()


def feed_appointments(membership: Membership) -> QuerySet[Appointment]:
    """All of a therapist's appointments for their private calendar feed."""
    return (
        Appointment.objects.filter(therapist=membership)
        .select_related("course__client")
        .order_by("starts_at", "id")
    )


def active_feed_for_token(token: str):
    """The live feed a calendar app asks for, by the hash of its secret token."""
    # Looked up by the token's hash: the database compares hashes, so the time taken
    # tells nothing about how close a guess came, and every token costs the same work.
    return (
        CalendarFeed.objects.filter(
            token_hash=hash_token(token),
            revoked_at__isnull=True,
            membership__is_active=True,
            membership__user__is_active=True,
        )
        .select_related("membership__practice")
        .first()
    )
