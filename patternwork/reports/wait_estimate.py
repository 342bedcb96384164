"""The estimated wait on a practice's public page: a pure rule, no Django.

The input is the recent waits, in days from the referral being received to the first
attended treatment session, as sorted ``(days, how many)`` pairs. They come from
`reports.selectors.recent_waits`, which applies the service report's own wait rule
(the same summary rows, and courses whose dates break `treatment.plan.date_problems`
left out) to the courses whose first session fell in the last `WINDOW_DAYS` days.

The rule:

- Fewer than `MIN_WAITS` waits give no estimate: "not enough data yet". A range drawn
  from one or two people's waits would look like a promise it cannot keep.
- Otherwise the estimate is the middle half of the waits: from the 25th to the 75th
  percentile, each taken by the nearest-rank method (the smallest wait with at least
  that share of the waits at or below it). Nearest rank never interpolates, so each end
  is a wait someone actually had.
- Shown in whole weeks, the lower end rounded down and the upper end rounded up, so the
  range in weeks always holds the middle half of the waits in days and never claims a
  precision the data does not have. The upper end is at least 1 week, so first
  sessions on the day of referral read "up to 1 week", not "0 weeks".

Worked example: waits of 10, 14, 20, 30 and 45 days (5 waits). The 25th percentile is
the wait at rank ceil(0.25 x 5) = 2, 14 days; the 75th the wait at rank
ceil(0.75 x 5) = 4, 30 days. 14 days is exactly 2 weeks; 30 days is 4.3 weeks, rounded
up to 5. The page says "2 to 5 weeks".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

WINDOW_DAYS = 90
MIN_WAITS = 5
LOWER_PERCENTILE = 25
UPPER_PERCENTILE = 75
DAYS_PER_WEEK = 7


@dataclass(frozen=True)
class WaitEstimate:
    """The middle half of recent waits in whole weeks, or no estimate (`lower_days` is None)."""

    count: int
    lower_days: int | None = None
    upper_days: int | None = None

    @property
    def enough_data(self) -> bool:
        return self.lower_days is not None

    @property
    def lower_weeks(self) -> int | None:
        return None if self.lower_days is None else self.lower_days // DAYS_PER_WEEK

    @property
    def upper_weeks(self) -> int | None:
        if self.upper_days is None:
            return None
        # At least one week: "0 weeks" would read as no wait at all.
        return max(1, -(-self.upper_days // DAYS_PER_WEEK))

    @property
    def exact(self) -> bool:
        """Both ends fall on the same whole week (the middle half all waited N weeks)."""
        return self.enough_data and self.lower_weeks == self.upper_weeks


def percentile(waits: list[tuple[int, int]], count: int, percent: int) -> int:
    """The nearest-rank percentile of values given as sorted (value, how many) pairs."""
    if count <= 0 or not 0 < percent <= 100:
        raise ValueError("a percentile needs at least one value and 0 < percent <= 100")
    # Integer arithmetic: ceil(percent * count / 100) without floating point.
    rank = -(-percent * count // 100)
    seen = 0
    for value, times in waits:
        seen += times
        if seen >= rank:
            return value
    raise ValueError("the waits do not add up to their count")


def estimate_wait(waits: Iterable[tuple[int, int]]) -> WaitEstimate:
    """Estimate the wait from recent (days, how many) pairs, in any order."""
    histogram = sorted((days, times) for days, times in waits if times > 0)
    if any(days < 0 for days, _ in histogram):
        raise ValueError("a wait cannot be negative")
    count = sum(times for _, times in histogram)
    if count < MIN_WAITS:
        return WaitEstimate(count=count)
    return WaitEstimate(
        count=count,
        lower_days=percentile(histogram, count, LOWER_PERCENTILE),
        upper_days=percentile(histogram, count, UPPER_PERCENTILE),
    )
