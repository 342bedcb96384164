"""Reads of courses, appointments and notes, always scoped to the member asking.

Every list here is built in a fixed number of queries, whatever the number of clients
or sessions: counts and next dates are annotations, related rows are joined.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from patternwork.accounts.access import may_read_clinical, visible
from patternwork.accounts.models import Membership
from patternwork.clients.models import Client
from patternwork.core.prepared import PreparedRead, prefetched
from patternwork.treatment import plan, scheduling
from patternwork.treatment.models import (
    Appointment,
    CalendarFeed,
    Course,
    NoteAmendment,
    SessionNote,
    attended_treatment,
)
from patternwork.treatment.services.calendar import hash_token

ATTENDED = attended_treatment("appointments__")


def courses_for(membership: Membership) -> QuerySet[Course]:
    return visible(
        membership, Course.objects.select_related("client", "therapist__user", "practice")
    )


def appointments_for(membership: Membership) -> QuerySet[Appointment]:
    return visible(
        membership,
        Appointment.objects.select_related("course__client", "course__practice", "therapist__user"),
    )


def course_rows() -> QuerySet[Course]:
    """Courses with what their pages show; scope them with accounts.access."""
    return Course.objects.select_related("client", "therapist__user", "practice", "referral")


def appointment_rows() -> QuerySet[Appointment]:
    return Appointment.objects.select_related(
        "course__client", "course__practice", "course__therapist__user", "therapist__user"
    )


def session_page_rows() -> QuerySet[Appointment]:
    """The session page's appointment with its course, client and practice. The course's
    and the client's encrypted texts, which the page does not show, are left encrypted."""
    return Appointment.objects.select_related("course__client", "course__practice").defer(
        "course__end_note", "course__end_override_reason", "course__client__close_override_reason"
    )


def can_read_clinical(membership: Membership, course: Course) -> bool:
    return may_read_clinical(membership, course.therapist_id)


# An appointment has one note at most (one-to-one), so no ordering; compiled once.
_NOTE = PreparedRead(
    lambda appointment_id: (
        SessionNote.objects.filter(appointment_id=appointment_id)
        .select_related("author__user", "signed_by__user")
        .order_by()[:1]
    ),
    int,
)
_AMENDMENTS = PreparedRead(
    lambda note_id: NoteAmendment.objects.filter(note_id=note_id).select_related("author__user"),
    int,
)


def note_for(appointment: Appointment) -> SessionNote | None:
    """The appointment's note with its authors, and its amendments with theirs."""
    found = _NOTE.rows(appointment.pk)
    if not found:
        return None
    (note,) = found
    prefetched(note, "amendments", _AMENDMENTS.rows(note.pk), back="note")
    return note


def current_phase(attended: int, planned: int) -> plan.Phase:
    return plan.phase_for(max(attended, 1), planned)


# Booked and attended treatment appointments are the ones expected to become sessions.
COUNTED_STATUSES = (Appointment.Status.ATTENDED, Appointment.Status.BOOKED)


def with_session_positions(appointments: QuerySet[Appointment]) -> QuerySet[Appointment]:
    """Annotate `earlier_sessions`: the course's booked or attended sessions before each one.

    A booked session's number is the one it will have if the client comes to it and to
    every booked session before it. The count covers the whole course, including any
    appointments with a previous therapist, and is a subquery of the same SELECT, so a
    feed of any length stays one query.
    """
    earlier = (
        Appointment.objects.filter(
            course=OuterRef("course"),
            kind=Appointment.Kind.TREATMENT,
            status__in=COUNTED_STATUSES,
        )
        .filter(
            Q(starts_at__lt=OuterRef("starts_at"))
            | Q(starts_at=OuterRef("starts_at"), id__lt=OuterRef("id"))
        )
        .order_by()
        .values("course")
        .annotate(count=Count("id"))
        .values("count")
    )
    return appointments.annotate(
        earlier_sessions=Coalesce(Subquery(earlier, output_field=IntegerField()), 0)
    )


def session_number(appointment: Appointment) -> int | None:
    """The session number to show: n if attended, the expected n if booked, else none.

    Needs `earlier_sessions` from `with_session_positions` for booked appointments.
    """
    if appointment.kind != Appointment.Kind.TREATMENT:
        return None
    if appointment.status == Appointment.Status.ATTENDED:
        return appointment.session_number
    if appointment.status == Appointment.Status.BOOKED:
        return appointment.earlier_sessions + 1
    return None


def expected_session_number(appointment: Appointment) -> int | None:
    """The session number of one appointment, as `session_number` (one query if booked
    and not read with `with_session_positions`)."""
    if (
        appointment.kind == Appointment.Kind.TREATMENT
        and appointment.status == Appointment.Status.BOOKED
        # Read with `with_session_positions`, it has its position already.
        and not hasattr(appointment, "earlier_sessions")
    ):
        appointment = with_session_positions(Appointment.objects.filter(pk=appointment.pk)).get()
    return session_number(appointment)


class TimelineAppointment:
    """An appointment of the course page's timeline, read as values: the model's
    attribute names for the columns the timeline, the scores and the projection use,
    without a model instance per row."""

    # The columns read, in the order of the read's rows.
    COLUMNS = (
        "pk",
        "public_id",
        "course_id",
        "kind",
        "starts_at",
        "ends_at",
        "status",
        "status_reason",
        "session_number",
        "earlier_sessions",
        "note_pk",
    )
    __slots__ = (*COLUMNS, "course")

    def __init__(self, row: tuple, course: Course) -> None:
        (
            self.pk,
            self.public_id,
            self.course_id,
            self.kind,
            self.starts_at,
            self.ends_at,
            self.status,
            self.status_reason,
            self.session_number,
            self.earlier_sessions,
            self.note_pk,
        ) = row
        # As the course's related manager would: each row knows its course.
        self.course = course

    @property
    def id(self) -> int:
        return self.pk

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


@dataclass
class TimelineItem:
    appointment: TimelineAppointment
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
    closures: dict[date, str]
    # Filled by reports.caseload.course_overview: milestones need facts from other apps.
    milestones: tuple[plan.Milestone, ...] = ()

    @property
    def share_session(self) -> int:
        return self.course.share_session


# The course page's appointments, compiled once (core.prepared). Read as values for the
# timeline, the scores and the projection only: their timestamps, practice, therapist and
# sequence are left unread (three datetimes converted per row for nothing).
_TIMELINE = PreparedRead(
    lambda course_id: (
        with_session_positions(
            Appointment.objects.filter(course_id=course_id).annotate(note_pk=F("note__id"))
        )
        .order_by("starts_at", "id")
        .values_list(*TimelineAppointment.COLUMNS)
    ),
    int,
)


def course_view(course: Course) -> CourseView:
    """The course page's timeline with phases and projection, in fixed queries."""
    practice = course.practice
    # Whether a note exists, not the note: a joined note would decrypt its body and
    # prompts for every row of the timeline, which shows none of them.
    appointments = [TimelineAppointment(row, course) for row in _TIMELINE(course.pk)]
    treatment = [a for a in appointments if a.kind == Appointment.Kind.TREATMENT]
    attended = sum(1 for a in treatment if a.status == Appointment.Status.ATTENDED)
    timeline = []
    for appointment in appointments:
        shown = session_number(appointment)
        expected = shown if appointment.status == Appointment.Status.BOOKED else None
        phase = plan.phase_for(shown, course.planned_sessions) if shown else None
        timeline.append(TimelineItem(appointment, phase, appointment.note_pk is not None, expected))
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


# The client's own appointments (the portal): scoped to one client, never to a member.


def client_appointments(client: Client) -> QuerySet[Appointment]:
    """Every appointment of the client, over all their courses, oldest first."""
    return (
        Appointment.objects.filter(course__client=client)
        .select_related("therapist__user", "course")
        .order_by("starts_at", "id")
    )


def upcoming_appointments(client: Client, now: datetime) -> QuerySet[Appointment]:
    """Booked appointments that have not yet ended (one under way included)."""
    return client_appointments(client).filter(status=Appointment.Status.BOOKED, ends_at__gt=now)


def upcoming_rows(now: datetime) -> QuerySet[Appointment]:
    """`upcoming_appointments` before the client's scope (`accounts.access.visible`)."""
    return (
        Appointment.objects.filter(status=Appointment.Status.BOOKED, ends_at__gt=now)
        .select_related("therapist__user", "course")
        .order_by("starts_at", "id")
    )
