"""Keep each course's outcome summary current (first and last scores, activity, dates).

Called inside the transaction of every write that changes what the summary holds:
a score, an attendance, a move, the start or the end of a course. The choice of first
and last score is the pure outcomes module's, so the summary and the pure rules agree.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import NamedTuple

from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Min, OuterRef, Q, Subquery

from patternwork.clients.models import Referral
from patternwork.core.prepared import PreparedRead, PreparedUpdate
from patternwork.measures import config, outcomes
from patternwork.measures.models import OutcomeSummary, Response
from patternwork.treatment import plan, scheduling
from patternwork.treatment.models import Appointment, Course

PHQ9 = "PHQ-9"
GAD7 = "GAD-7"
_UNREAD = object()


class ScoreRow(NamedTuple):
    """One valid PHQ-9 or GAD-7 score of a course, as `score_rows` reads it."""

    instrument: str
    appointment_id: int
    starts_at: datetime
    session_number: int | None
    total: int
    response_id: int


def score_rows(course: Course) -> list[ScoreRow]:
    """The valid PHQ-9 and GAD-7 scores of a course, in session order, as plain values:
    complete, from attended treatment sessions.

    One read serves both the outcome summary (`score_points`) and the not-on-track
    judgement (`tracking.judge_course`) when a score write refreshes them together.
    """
    return [ScoreRow(*row) for row in _score_rows(course.pk)]


# Prepared reads (built once; they run on every score and attendance written).
_score_rows = PreparedRead(
    lambda course_id: (
        Response.objects.filter(
            course_id=course_id,
            status=Response.Status.COMPLETE,
            instrument__in=[PHQ9, GAD7],
            appointment__status=Appointment.Status.ATTENDED,
            appointment__kind=Appointment.Kind.TREATMENT,
        )
        .order_by("appointment__starts_at", "appointment_id", "id")
        .values_list(
            "instrument",
            "appointment_id",
            "appointment__starts_at",
            "appointment__session_number",
            "total",
            "id",
        )
    ),
    int,
)
# The course read again with its practice and its referral's date, as a course locked
# with `dates=True` carries it (every attendance and score written may run it).
_course_again = PreparedRead(
    lambda pk: (
        Course.objects.filter(pk=pk)
        .order_by()
        .select_related("practice")
        .annotate(
            **{
                scheduling.REFERRAL_RECEIVED_AT: Subquery(
                    Referral.objects.filter(pk=OuterRef("referral_id")).values("received_at")[:1]
                )
            }
        )
    ),
    int,
)
# The summary's UPDATE (every column but the course it belongs to), written once.
_update_summary = PreparedUpdate(
    OutcomeSummary,
    (
        "practice_id",
        "therapist_id",
        "referral_received_on",
        "started_on",
        "first_session_on",
        "ended",
        "ended_on",
        "attended",
        "did_not_attend",
        "phq9_first",
        "phq9_last",
        "phq9_count",
        "gad7_first",
        "gad7_last",
        "gad7_count",
        "date_problems",
    ),
    "course",
)


def score_points(
    course: Course, rows: list[ScoreRow] | None = None
) -> tuple[list[outcomes.ScorePoint], list[outcomes.ScorePoint]]:
    """The valid PHQ-9 and GAD-7 scores of a course: complete, from attended treatment
    sessions (`rows`, when the caller has read them with `score_rows`).

    Scores taken at assessment are not treatment scores: they describe the person before
    the course was offered, so they are charted but never paired for the outcome.
    """
    depression, anxiety = [], []
    for row in score_rows(course) if rows is None else rows:
        point = outcomes.ScorePoint(row.appointment_id, row.starts_at, row.total)
        (depression if row.instrument == PHQ9 else anxiety).append(point)
    return depression, anxiety


def course_outcome(
    course: Course,
    *,
    attended: int | None = None,
    points: tuple[list[outcomes.ScorePoint], list[outcomes.ScorePoint]] | None = None,
) -> outcomes.CourseOutcome:
    """The course's outcome; `attended` (its attended treatment sessions) and `points` (as
    `score_points` gives them) spare their queries to a caller that has read them."""
    if attended is None:
        attended = course.appointments.attended_treatment().count()
    depression, anxiety = points if points is not None else score_points(course)
    finished = course.state == Course.State.ENDED and attended >= 2
    return outcomes.course_outcome(
        depression, anxiety, finished=finished, config=config.outcome_config()
    )


CANCELLED = (Appointment.Status.CANCELLED_CLIENT, Appointment.Status.CANCELLED_THERAPIST)
_ATTENDED = Q(kind=Appointment.Kind.TREATMENT, status=Appointment.Status.ATTENDED)
# The summary's figures from the course's appointments, in one row: the attended and
# missed treatment sessions, the first attended one, and the span of those not cancelled
# (a prepared read, its aggregate built once). Only the three moments are converted,
# where a row per appointment converted each appointment's time.
_appointment_figures = PreparedRead(
    lambda course_id: (
        Appointment.objects.filter(course_id=course_id)
        .order_by()
        .values("course_id")
        .annotate(
            attended=Count("id", filter=_ATTENDED),
            dna=Count(
                "id", filter=Q(kind=Appointment.Kind.TREATMENT, status=Appointment.Status.DNA)
            ),
            first=Min("starts_at", filter=_ATTENDED),
            span_first=Min("starts_at", filter=~Q(status__in=CANCELLED)),
            span_last=Max("starts_at", filter=~Q(status__in=CANCELLED)),
        )
        .values_list("attended", "dna", "first", "span_first", "span_last")
    ),
    int,
)


def date_problems(
    course: Course,
    *,
    received_on: date | None,
    ended_on: date | None,
    span: tuple[datetime | None, datetime | None] | None = None,
) -> str:
    """The course's breaches of the plan's date rules, as the summary stores them.

    Its earliest and latest sessions that were not cancelled stand for all of them: a
    session breaks a rule only by being too early or too late. `span` gives those two
    moments when the caller has already read them.
    """
    if span is None:
        found = course.appointments.exclude(status__in=CANCELLED).aggregate(
            first=Min("starts_at"), last=Max("starts_at")
        )
        span = (found["first"], found["last"])
    sessions = [
        scheduling.local_date(course.practice, moment) for moment in span if moment is not None
    ]
    problems = plan.date_problems(
        referral_received=received_on, start=course.start_date, end=ended_on, sessions=sessions
    )
    return plan.encode_problems(problems)


def refresh_outcome_summary(course: Course) -> OutcomeSummary:
    """Recompute one course's summary row from its raw appointments and scores; return it."""
    update_outcome_summary(course)
    return OutcomeSummary.objects.get(course=course)


def update_outcome_summary(course: Course, *, scores: list[ScoreRow] | None = None) -> None:
    """Recompute one course's summary row from its raw appointments and scores.

    The write path's form of `refresh_outcome_summary`: it leaves the row unread.
    `scores`: the course's `score_rows`, read by the caller in this transaction.

    A course read under its lock in this transaction with its referral's date
    (`scheduling.lock_course(..., dates=True)`, as recording an outcome does) is taken as
    it is; any other is read again, since the caller's copy may be older than the row.
    """
    received_at = getattr(course, scheduling.REFERRAL_RECEIVED_AT, _UNREAD)
    if received_at is _UNREAD:
        course = _course_again.rows(course.pk)[0]
        received_at = getattr(course, scheduling.REFERRAL_RECEIVED_AT)
    practice = course.practice
    # One read of the course's appointments gives the counts, the first attended
    # treatment session and the span the date rules check (no row: no appointments).
    found = _appointment_figures(course.pk)
    attended, dna, first, span_first, span_last = found[0] if found else (0, 0, None, None, None)
    depression, anxiety = score_points(course, scores)
    result = outcomes.course_outcome(depression, anxiety, finished=False)

    def total(point):
        return point.total if point is not None else None

    values = {
        "practice": practice,
        "therapist_id": course.therapist_id,
        "referral_received_on": scheduling.local_date(practice, received_at)
        if received_at
        else None,
        "started_on": scheduling.local_date(practice, course.started_at)
        if course.started_at
        else None,
        "first_session_on": scheduling.local_date(practice, first) if first else None,
        "ended": course.state == Course.State.ENDED,
        "ended_on": scheduling.local_date(practice, course.ended_at) if course.ended_at else None,
        "attended": attended,
        "did_not_attend": dna,
        "phq9_first": total(result.depression.first),
        "phq9_last": total(result.depression.last),
        "phq9_count": len(depression),
        "gad7_first": total(result.anxiety.first),
        "gad7_last": total(result.anxiety.last),
        "gad7_count": len(anxiety),
    }
    values["date_problems"] = date_problems(
        course,
        received_on=values["referral_received_on"],
        ended_on=values["ended_on"],
        span=(span_first, span_last),
    )
    # Every course but a new one has its row: one UPDATE, with no read or savepoint
    # first. A writer that lost the race to create the row updates the winner's instead.
    values["practice_id"] = values.pop("practice").pk
    if not _update_summary(course.pk, values):
        try:
            with transaction.atomic():
                OutcomeSummary.objects.create(course=course, **values)
        except IntegrityError:
            OutcomeSummary.objects.filter(course=course).update(**values)
