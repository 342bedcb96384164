"""Keep each course's outcome summary current (first and last scores, activity, dates).

Called inside the transaction of every write that changes what the summary holds:
a score, an attendance, a move, the start or the end of a course. The choice of first
and last score is the pure outcomes module's, so the summary and the pure rules agree.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Min, Q

from patternwork.measures import config, outcomes
from patternwork.measures.models import OutcomeSummary, Response
from patternwork.treatment import plan, scheduling
from patternwork.treatment.models import Appointment, Course, attended_treatment

PHQ9 = "PHQ-9"
GAD7 = "GAD-7"


def score_points(course: Course) -> tuple[list[outcomes.ScorePoint], list[outcomes.ScorePoint]]:
    """The valid PHQ-9 and GAD-7 scores of a course: complete, from attended treatment
    sessions.

    Scores taken at assessment are not treatment scores: they describe the person before
    the course was offered, so they are charted but never paired for the outcome.
    """
    rows = (
        Response.objects.filter(
            course=course,
            status=Response.Status.COMPLETE,
            instrument__in=[PHQ9, GAD7],
            appointment__status=Appointment.Status.ATTENDED,
            appointment__kind=Appointment.Kind.TREATMENT,
        )
        .order_by("appointment__starts_at", "appointment_id", "id")
        .values_list("instrument", "appointment_id", "appointment__starts_at", "total")
    )
    depression, anxiety = [], []
    for instrument, contact, when, total in rows:
        point = outcomes.ScorePoint(contact, when, total)
        (depression if instrument == PHQ9 else anxiety).append(point)
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


def update_outcome_summary(course: Course) -> None:
    """Recompute one course's summary row from its raw appointments and scores.

    The write path's form of `refresh_outcome_summary`: it leaves the row unread.
    """
    course = Course.objects.select_related("practice", "referral").get(pk=course.pk)
    practice = course.practice
    # One pass over the course's appointments gives the counts, the first attended
    # treatment session and the span the date rules check.
    treatment = Q(kind=Appointment.Kind.TREATMENT)
    attended = attended_treatment()
    counts = course.appointments.aggregate(
        attended=Count("id", filter=attended),
        dna=Count("id", filter=treatment & Q(status=Appointment.Status.DNA)),
        first=Min("starts_at", filter=attended),
        span_first=Min("starts_at", filter=~Q(status__in=CANCELLED)),
        span_last=Max("starts_at", filter=~Q(status__in=CANCELLED)),
    )
    first = counts["first"]
    depression, anxiety = score_points(course)
    result = outcomes.course_outcome(depression, anxiety, finished=False)

    def total(point):
        return point.total if point is not None else None

    values = {
        "practice": practice,
        "therapist_id": course.therapist_id,
        "referral_received_on": scheduling.local_date(practice, course.referral.received_at)
        if course.referral
        else None,
        "started_on": scheduling.local_date(practice, course.started_at)
        if course.started_at
        else None,
        "first_session_on": scheduling.local_date(practice, first) if first else None,
        "ended": course.state == Course.State.ENDED,
        "ended_on": scheduling.local_date(practice, course.ended_at) if course.ended_at else None,
        "attended": counts["attended"],
        "did_not_attend": counts["dna"],
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
        span=(counts["span_first"], counts["span_last"]),
    )
    # Every course but a new one has its row: one UPDATE, with no read or savepoint
    # first. A writer that lost the race to create the row updates the winner's instead.
    values["practice_id"] = values.pop("practice").pk
    if not OutcomeSummary.objects.filter(course=course).update(**values):
        try:
            with transaction.atomic():
                OutcomeSummary.objects.create(course=course, **values)
        except IntegrityError:
            OutcomeSummary.objects.filter(course=course).update(**values)
