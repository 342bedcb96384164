"""Appointment dates: generation around closures, re-projection, plan changes, clashes.

Appointments are generated from the plan and may be moved, cancelled or missed and offered
again; the plan shows the projected end date, and the plan may change at any time
(docs/dit-course.md).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from patternwork.treatment.plan.course import (
    Cadence,
    PlanSettings,
    check_attended,
    check_planned,
    whole_between,
)

# Two months of weekly slots closed in a row points to a broken closure list rather than
# a real break; a longer pause calls for a plan change, not a silently stretched course.
MAX_CONSECUTIVE_CLOSED_SLOTS = 8

TOO_MANY_CLOSED_SLOTS = (
    f"More than {MAX_CONSECUTIVE_CLOSED_SLOTS} session slots in a row fall on practice "
    "closure days; check the closure list or change the plan."
)
COUNT_INVALID = "The number of dates must be a whole number of at least 0."
UNMARKED_INVALID = "Unmarked past appointments must be a whole number of at least 0."
NO_ANCHOR = "Replacement dates need a booked or earlier appointment to follow."
LAST_ATTENDED_REQUIRED = "Give the date of the last attended session once the plan is met."
FIRST_FUTURE_IN_PAST = "The first future appointment cannot be before today."
LAST_PAST_IN_FUTURE = "The last past appointment cannot be after today."
SLOT_NOT_POSITIVE = "A slot must end after it starts."


class ClosureError(ValueError):
    """Raised when too many consecutive session slots fall on closure days."""


def _open_slots(start: date, cadence: Cadence, closed: frozenset[date]) -> Iterator[date]:
    step = timedelta(days=cadence.days)
    day = start
    closed_in_a_row = 0
    while True:
        if day in closed:
            closed_in_a_row += 1
            if closed_in_a_row > MAX_CONSECUTIVE_CLOSED_SLOTS:
                raise ClosureError(TOO_MANY_CLOSED_SLOTS)
        else:
            closed_in_a_row = 0
            yield day
        day += step


def _take(slots: Iterator[date], count: int) -> list[date]:
    return [next(slots) for _ in range(count)]


def generate_dates(
    *, first: date, count: int, cadence: Cadence | str, closures: Collection[date]
) -> list[date]:
    """Return count dates every cadence step from first, skipping closure days.

    A slot on a closure day is skipped and the series goes on at the next slot, so every
    date keeps first's weekday rhythm. Raises ClosureError when more than
    MAX_CONSECUTIVE_CLOSED_SLOTS slots in a row are closed.
    """
    rhythm = Cadence(cadence)
    if not whole_between(count, 0):
        raise ValueError(COUNT_INVALID)
    return _take(_open_slots(first, rhythm, frozenset(closures)), count)


@dataclass(frozen=True)
class Projection:
    """Hold the projected end of a course and the appointments it still needs.

    end_date is the date of the session that would be the planned-th attended one;
    shortfall is how many replacement appointments must be added after the last known
    one, and replacement_dates are their dates; surplus counts booked appointments beyond
    the plan.
    """

    end_date: date
    shortfall: int
    replacement_dates: tuple[date, ...]
    surplus: int


def project_course(
    *,
    planned: int,
    attended: int,
    booked: Collection[date],
    cadence: Cadence | str,
    closures: Collection[date],
    latest: date | None = None,
    last_attended: date | None = None,
    today: date | None = None,
) -> Projection:
    """Re-project the end date and the replacement appointments needed to reach planned.

    booked holds the dates of appointments still booked, past unmarked ones included,
    since each may yet be attended. latest is the date of the latest appointment of any
    status: replacements follow it, or the last booked date if that is later, so none is
    offered on or before a cancelled or missed date; given today, none is before it. Once
    attended reaches planned the end is last_attended, which is then required.
    """
    check_planned(planned)
    check_attended(attended)
    rhythm = Cadence(cadence)
    upcoming = sorted(booked)
    needed = max(planned - attended, 0)
    surplus = max(len(upcoming) - needed, 0)
    if needed == 0:
        if last_attended is None:
            raise ValueError(LAST_ATTENDED_REQUIRED)
        return Projection(last_attended, 0, (), surplus)
    if len(upcoming) >= needed:
        return Projection(upcoming[needed - 1], 0, (), surplus)
    shortfall = needed - len(upcoming)
    known = [*upcoming[-1:], *([latest] if latest is not None else [])]
    if not known:
        raise ValueError(NO_ANCHOR)
    anchor = max(known)
    start = _next_slot_from(anchor, rhythm, anchor if today is None else today, after=True)
    replacements = tuple(_take(_open_slots(start, rhythm, frozenset(closures)), shortfall))
    return Projection(replacements[-1], shortfall, replacements, 0)


def regenerate_future(
    *,
    settings: PlanSettings,
    attended: int,
    unmarked: int,
    first_future: date | None,
    last_past: date | None,
    today: date,
    closures: Collection[date],
) -> list[date]:
    """Return the dates of the future appointments after a plan change.

    Past appointments are never touched. Unmarked past appointments may still be marked
    attended, so they count against the plan to avoid overbooking. The series keeps the
    course's rhythm: it starts at the first existing future appointment, else at the next
    cadence slot after the last past appointment that is not before today, else at the
    plan's start date (moved on by whole cadence steps if that is already past). A plan
    smaller than the sessions attended gives no future appointments.
    Changing the plan is allowed at any time, so this works from any mid-course state.
    """
    check_attended(attended)
    if not whole_between(unmarked, 0):
        raise ValueError(UNMARKED_INVALID)
    if first_future is not None and first_future < today:
        raise ValueError(FIRST_FUTURE_IN_PAST)
    if last_past is not None and last_past > today:
        raise ValueError(LAST_PAST_IN_FUTURE)
    count = max(settings.planned_sessions - attended - unmarked, 0)
    if first_future is not None:
        start = first_future
    elif last_past is not None:
        start = _next_slot_from(last_past, settings.cadence, today, after=True)
    else:
        start = _next_slot_from(settings.start_date, settings.cadence, today, after=False)
    return generate_dates(first=start, count=count, cadence=settings.cadence, closures=closures)


def _next_slot_from(anchor: date, cadence: Cadence, today: date, *, after: bool) -> date:
    """Return the first slot on anchor's rhythm not before today (and after anchor if after)."""
    days = cadence.days
    steps_to_today = -(-(today - anchor).days // days)
    steps = max(steps_to_today, 1 if after else 0)
    return anchor + timedelta(days=steps * days)


@dataclass(frozen=True)
class Slot:
    """Hold the half-open interval [start, end) of an appointment with a label."""

    start: datetime
    end: datetime
    label: str = ""

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(SLOT_NOT_POSITIVE)

    def overlaps(self, other: Slot) -> bool:
        # Half-open intervals: one ending as the next starts is back-to-back, not a clash.
        return self.start < other.end and other.start < self.end


def appointment_slot(settings: PlanSettings, day: date, label: str = "") -> Slot:
    """Return the slot of an appointment on day at the plan's start time and length."""
    start = datetime.combine(day, settings.start_time)
    return Slot(start, start + timedelta(minutes=settings.session_minutes), label)


def _slot_key(slot: Slot) -> tuple[datetime, datetime, str]:
    return (slot.start, slot.end, slot.label)


def find_clashes(candidates: Sequence[Slot], existing: Sequence[Slot]) -> list[tuple[Slot, Slot]]:
    """Return every (candidate, existing) pair that overlaps, ordered by time then label."""
    pairs = [
        (candidate, other)
        for candidate in candidates
        for other in existing
        if candidate.overlaps(other)
    ]
    return sorted(pairs, key=lambda pair: (_slot_key(pair[0]), _slot_key(pair[1])))
