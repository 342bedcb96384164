"""Reads of the assessment record, goals, readiness and the waiting list, scoped to the
member asking. The waiting list is built in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef, QuerySet, Subquery

from patternwork.accounts.access import visible
from patternwork.accounts.models import Membership
from patternwork.core.prepared import PreparedRead
from patternwork.treatment import plan
from patternwork.treatment.models import (
    Assessment,
    Course,
    Goal,
    GoalRating,
    Occasion,
    Offer,
    Readiness,
    WaitingEntry,
)


@dataclass(frozen=True)
class WaitingRow:
    entry: WaitingEntry
    wait: plan.Wait
    offer_starts_at: object
    offer_respond_by: object


def waiting_list(membership: Membership, today: date) -> list[WaitingRow]:
    """The practice's waiting clients in the member's scope: priority first, then by
    referral date, each with its wait so far and any open offer. Two queries."""
    open_offers = Offer.objects.filter(entry=OuterRef("pk"), status=Offer.Status.OPEN)
    entries = (
        visible(membership, WaitingEntry)
        .filter(left_at__isnull=True)
        .select_related("course__client", "course__therapist__user")
        .annotate(
            offer_starts_at=Subquery(open_offers.values("starts_at")[:1]),
            offer_respond_by=Subquery(open_offers.values("respond_by")[:1]),
        )
        .order_by("-priority", "referred_on", "id")
    )
    return [
        WaitingRow(
            entry=entry,
            wait=plan.wait_so_far(entry.referred_on, today),
            offer_starts_at=entry.offer_starts_at,
            offer_respond_by=entry.offer_respond_by,
        )
        for entry in entries
    ]


def open_entry(course: Course) -> WaitingEntry | None:
    return course.waiting_entries.filter(left_at__isnull=True).first()


def with_waiting(courses: QuerySet[Course]) -> QuerySet[Course]:
    """Annotate `on_waiting_list`: the course has an open entry (see `open_entry`)."""
    return courses.annotate(
        on_waiting_list=Exists(
            WaitingEntry.objects.filter(course_id=OuterRef("pk"), left_at__isnull=True)
        )
    )


def open_offer(entry: WaitingEntry | None) -> Offer | None:
    if entry is None:
        return None
    return entry.offers.filter(status=Offer.Status.OPEN).select_related("therapist__user").first()


def assessment_of(course: Course) -> Assessment | None:
    return Assessment.objects.filter(course=course).first()


@dataclass(frozen=True)
class GoalLine:
    goal: Goal
    scores: tuple[tuple[str, int | None], ...]  # (occasion label, score) in occasion order


# The course page's goals, their ratings and readiness rows, compiled once (core.prepared).
_GOALS = PreparedRead(lambda course_id: Goal.objects.filter(course_id=course_id), int)
_GOAL_RATINGS = PreparedRead(
    lambda course_id: GoalRating.objects.filter(goal__course_id=course_id).values_list(
        "goal_id", "occasion", "score"
    ),
    int,
)
_READINESS = PreparedRead(lambda course_id: Readiness.objects.filter(course_id=course_id), int)


def goal_lines(course: Course) -> list[GoalLine]:
    """Each goal with its ratings in occasion order (None where not rated), for the
    course page's table and chart. Two queries."""
    goals = _GOALS.rows(course.pk)
    if not goals:
        return []
    # In the ratings' own order, so a later rating of an occasion is the one kept.
    ratings: dict[int, dict[str, int]] = {goal.pk: {} for goal in goals}
    for goal_id, occasion, score in _GOAL_RATINGS(course.pk):
        ratings.setdefault(goal_id, {})[occasion] = score
    labels = [(value, str(label)) for value, label in Occasion.choices]
    lines = []
    for goal in goals:
        by_occasion = ratings[goal.pk]
        lines.append(
            GoalLine(
                goal=goal,
                scores=tuple((label, by_occasion.get(value)) for value, label in labels),
            )
        )
    return lines


def ratings_due(
    course: Course, attended: int, goals: list[GoalLine], readiness: list[Readiness]
) -> list[plan.RatingDue]:
    """The readiness and goal ratings the course has reached and not recorded
    (plan.ratings_due), from the goal lines and readiness rows the page has already read:
    no query. Only an active course is asked: an ended one can no longer be rated."""
    if course.state != Course.State.ACTIVE:
        return []
    rated = {
        line.goal.position: {
            value
            for value, (_label, score) in zip(Occasion.values, line.scores, strict=True)
            if score is not None
        }
        for line in goals
    }
    return plan.ratings_due(
        attended=attended,
        planned=course.planned_sessions,
        readiness_at={row.occasion for row in readiness},
        goal_ratings=rated,
    )


def readiness_of(course: Course) -> list[Readiness]:
    order = {value: index for index, value in enumerate(Occasion.values)}
    return sorted(_READINESS.rows(course.pk), key=lambda r: order[r.occasion])


def client_open_offer(client, now) -> Offer | None:
    """The client's own offer still open for an answer, for their portal home page."""
    return client_open_offer_rows(client, now).first()


def client_open_offer_rows(client, now) -> QuerySet[Offer]:
    """`client_open_offer`'s query, first by id as `.first()` takes it."""
    return open_offer_rows(now).filter(entry__course__client=client)


def open_offer_rows(now) -> QuerySet[Offer]:
    """Offers still open for an answer, first by id, before the client's scope."""
    return (
        Offer.objects.filter(status=Offer.Status.OPEN, respond_by__gt=now)
        .select_related("therapist__user")
        .order_by("pk")
    )
