"""The way in: rating occasions, goals, the waiting list's marks and the offer lapse rule.

Pure Python, no Django.

- Goals follow Goal-Based Outcomes (Law & Jacob, *Goals and Goal Based Outcomes (GBOs)*,
  CORC, 3rd edition 2015): up to three goals in the client's words, each rated 0-10 for
  how far the client has moved towards it, at the start, along the way and at the end.
- The waiting marks are the NHS Talking Therapies waiting-time standards: 6 weeks and
  18 weeks from referral.
- An offer lapses when it is unanswered by its answer-by time (`respond_by`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from patternwork.treatment.plan.course import phase_bounds

MAX_GOALS = 3
RULER_MIN = 0
RULER_MAX = 10
TOO_MANY_GOALS = "A course has at most three goals."
RULER_INVALID = "Rate from 0 to 10."

FIRST_MARK_WEEKS = 6
SECOND_MARK_WEEKS = 18

# The default answer window; each practice sets its own (Practice.offer_window_days).
OFFER_WINDOW = timedelta(days=7)
# The client needs time to arrange a first session they have just accepted.
OFFER_NOTICE = timedelta(days=1)
OFFER_TOO_SOON = (
    "The first session is too soon for the client to answer the offer; offer a later time."
)
OFFER_LAPSED = "This offer lapsed: it was not answered in time. Make a new offer."
OFFER_ANSWERED = "This offer has already been answered."


class Occasion(StrEnum):
    """When goals and readiness are rated."""

    ASSESSMENT = "assessment"
    END_INITIAL = "end_initial"
    END_MIDDLE = "end_middle"
    ENDING = "ending"


# Readiness is asked at assessment, at the end of the initial phase and at the ending;
# goals at every occasion.
READINESS_OCCASIONS = (Occasion.ASSESSMENT, Occasion.END_INITIAL, Occasion.ENDING)
GOAL_OCCASIONS = tuple(Occasion)


@dataclass(frozen=True)
class RatingDue:
    """An occasion whose ratings are due and not all recorded yet."""

    occasion: Occasion
    readiness: bool  # the two readiness rulers are missing
    goals: tuple[int, ...]  # positions of goals not yet rated at this occasion


def occasion_reached(occasion: Occasion, attended: int, planned: int) -> bool:
    """Whether a course with `attended` treatment sessions of `planned` has reached the
    point where an occasion's ratings are asked.

    - the end of the initial phase: its last session attended (16 planned: session 4);
    - the end of the middle phase: its last session attended (16 planned: session 12);
    - the ending: from the penultimate session attended, so the ratings can be made in
      the last session itself (16 planned: session 15).
    The assessment is reached from the start.
    """
    bounds = phase_bounds(planned)
    reached_at = {
        Occasion.ASSESSMENT: 0,
        Occasion.END_INITIAL: bounds.initial.last,
        Occasion.END_MIDDLE: bounds.middle.last,
        Occasion.ENDING: planned - 1,
    }[occasion]
    return attended >= reached_at


def ratings_due(
    *,
    attended: int,
    planned: int,
    readiness_at: frozenset[str] | set[str],
    goal_ratings: dict[int, set[str]],
) -> list[RatingDue]:
    """The occasions after the assessment that the course has reached and whose readiness
    (asked at the end of the initial phase and at the ending) or goal ratings (asked at
    every phase end) are still missing, in occasion order.

    `readiness_at`: the occasions with readiness recorded; `goal_ratings`: each goal's
    position with the occasions it is rated at.
    """
    due = []
    for occasion in GOAL_OCCASIONS[1:]:
        if not occasion_reached(occasion, attended, planned):
            continue
        readiness = occasion in READINESS_OCCASIONS and occasion not in readiness_at
        goals = tuple(
            position for position, rated in sorted(goal_ratings.items()) if occasion not in rated
        )
        if readiness or goals:
            due.append(RatingDue(occasion, readiness, goals))
    return due


def ruler_valid(value: object) -> bool:
    """Whether a 0-10 ruler or goal rating is a whole number in range."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 10


class WaitBand(StrEnum):
    UNDER_FIRST = "under_6_weeks"
    UNDER_SECOND = "6_to_18_weeks"
    OVER_SECOND = "over_18_weeks"


@dataclass(frozen=True)
class Wait:
    days: int
    band: WaitBand

    @property
    def weeks(self) -> int:
        return self.days // 7


def wait_so_far(referred_on: date, today: date) -> Wait:
    """The wait from referral to today, and where it stands against the 6- and 18-week
    marks. A wait of exactly 6 weeks (42 days) has reached the first mark."""
    days = max((today - referred_on).days, 0)
    if days < FIRST_MARK_WEEKS * 7:
        band = WaitBand.UNDER_FIRST
    elif days < SECOND_MARK_WEEKS * 7:
        band = WaitBand.UNDER_SECOND
    else:
        band = WaitBand.OVER_SECOND
    return Wait(days, band)


def respond_by(
    made_at: datetime,
    first_session: datetime,
    *,
    window: timedelta = OFFER_WINDOW,
    notice: timedelta = OFFER_NOTICE,
) -> datetime:
    """The time by which an offer must be answered: the window after it was made, but no
    later than `notice` before the first session it offers.

    Raises ValueError when that leaves no time at all to answer.
    """
    deadline = min(made_at + window, first_session - notice)
    if deadline <= made_at:
        raise ValueError(OFFER_TOO_SOON)
    return deadline


def has_lapsed(*, respond_by: datetime, now: datetime, answered: bool) -> bool:
    """An offer lapses when it is still unanswered at its answer-by time."""
    return not answered and now >= respond_by


def brief_relationships(text: str) -> list[tuple[str, str]]:
    """Read "relationships in brief", one person a line as "who: what it is like", into
    (who, note) pairs; a line without a colon is a person without a note."""
    people = []
    for line in text.splitlines():
        who, _, note = line.partition(":")
        if who.strip():
            people.append((who.strip(), note.strip()))
    return people
