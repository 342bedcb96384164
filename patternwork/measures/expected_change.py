"""Expected-change curves for PHQ-9, and whether a client's latest score is on track (pure).

A curve says how PHQ-9 usually moves in this practice's own finished courses: for each
starting severity band (the band of the course's first PHQ-9) and each attended treatment
session number, the change from the first score that the middle course showed (the median)
and the range that held 90% of courses (the 5th to the 95th percentile).

Fit (``fit_curve``):
- Data: finished courses (ended with at least two attended treatment sessions), their
  PHQ-9 totals at attended treatment sessions, in session order. The first score is the one
  at the earliest session; every later score gives one observation, (session number,
  score minus first score). Courses of every planned length are pooled by session number.
- Percentiles are plain empirical ones with linear interpolation between order statistics
  (Hyndman and Fan's definition 7, the default of R and NumPy): for sorted values
  x[0..m-1] and share p, h = (m - 1) * p, and the percentile is
  x[floor(h)] + (h - floor(h)) * (x[floor(h) + 1] - x[floor(h)]).
- A session number enters the curve only when at least ``MIN_AT_SESSION`` courses have a
  score there; with fewer, a percentile would be one or two people's scores.
- Smoothing: each of the three lines (5th percentile, median, 95th percentile) is smoothed
  with a 1-2-1 weighted running mean over the neighbouring session numbers that are in the
  curve: (v[n-1] + 2 v[n] + v[n+1]) / 4, and (2 v[n] + v[n±1]) / 3 where one neighbour is
  missing (the curve's ends, or a gap). This damps the jitter of small cells without
  flattening a real turn over two or three sessions.
- Nothing is removed or adjusted at the ending: DIT's expected small rise in symptoms near
  the end of therapy is in the finished courses' scores, so it is in the curve, and a client
  whose score rises as other clients' did is not flagged for it.

Which curve (``choose_curve``): a curve from the practice's own courses when at least
``MIN_COURSES`` finished courses started in that band; otherwise the whole instance's curve
for the band when the instance has that many; otherwise no curve, and the fallback rule.

The verdict (``judge``): the client's latest PHQ-9 is "not on track" when it lies above the
band for its session number, that is when the change from their first score is greater than
the curve's 95th percentile there. Only the worse side raises the flag: a score below the
band is better than 95 in 100 courses did, which calls for no warning. Where the curve has
no point at that session number (too few courses reached it), the fallback rule decides.

Fallback rule (``rule_verdict``), used where no curve applies: not on track when the latest
score shows reliable deterioration against the first score (at any session), or when, at or
after the improvement checkpoint, it shows no reliable improvement. The checkpoint is
session 8 of 16, proportionally for other lengths: half the planned sessions, rounded half
up (10 sessions: 5; 9 sessions: 5; 20 sessions: 10). A first score too low for any later
score to be a reliable fall (PHQ-9 below 6) is judged on deterioration only. Reliable
change is ``outcomes.change_between``, the same definition the course outcome uses.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from functools import lru_cache
from math import ceil, floor

from patternwork.measures.definitions import Instrument
from patternwork.measures.outcomes import Change, MeasureRule, change_between

MIN_COURSES = 50
MIN_AT_SESSION = 10
LOW_SHARE = Fraction(5, 100)
HIGH_SHARE = Fraction(95, 100)
NO_VALUES = "A percentile needs at least one value."
BAD_SHARE = "A percentile share must be between 0 and 1, got {share}."


class Basis(StrEnum):
    PRACTICE = "practice"
    INSTANCE = "instance"
    RULE = "rule"


@dataclass(frozen=True)
class CourseScores:
    """One finished course's PHQ-9 totals by attended treatment session number."""

    scores: tuple[tuple[int, int], ...]

    @property
    def first(self) -> tuple[int, int] | None:
        return min(self.scores) if self.scores else None


@dataclass(frozen=True)
class CurvePoint:
    session: int
    courses: int
    low: float
    median: float
    high: float


@dataclass(frozen=True)
class Curve:
    band: str
    courses: int
    points: tuple[CurvePoint, ...]

    def at(self, session: int) -> CurvePoint | None:
        return next((p for p in self.points if p.session == session), None)


@dataclass(frozen=True)
class Verdict:
    """Whether a score is on track, with the why a clinician is shown.

    ``low`` and ``high`` are the expected range of scores (not changes) at that session:
    for a curve, the first score plus the band's ends, rounded inwards to whole scores and
    kept inside the instrument's range; for the rule, the scores it accepts.
    """

    on_track: bool
    session: int
    score: int
    first: int
    low: int
    high: int
    basis: Basis
    reason: str


def percentile(values: Sequence[int | Fraction], share: Fraction) -> Fraction:
    """The empirical percentile by linear interpolation (Hyndman and Fan definition 7)."""
    if not values:
        raise ValueError(NO_VALUES)
    if not 0 <= share <= 1:
        raise ValueError(BAD_SHARE.format(share=share))
    ordered = sorted(Fraction(v) for v in values)
    h = (len(ordered) - 1) * Fraction(share)
    below = floor(h)
    if below + 1 >= len(ordered):
        return ordered[-1]
    return ordered[below] + (h - below) * (ordered[below + 1] - ordered[below])


def smooth(values: dict[int, Fraction]) -> dict[int, Fraction]:
    """The 1-2-1 running mean over neighbouring session numbers present (module docstring)."""
    smoothed = {}
    for session, value in values.items():
        total, weight = 2 * value, 2
        for neighbour in (session - 1, session + 1):
            if neighbour in values:
                total += values[neighbour]
                weight += 1
        smoothed[session] = total / weight
    return smoothed


def starting_band(instrument: Instrument, course: CourseScores) -> str | None:
    first = course.first
    return None if first is None else instrument.band_for(first[1]).code


def changes_by_session(courses: Iterable[CourseScores]) -> dict[int, list[int]]:
    """Each later score's change from the course's first score, by session number."""
    cells: dict[int, list[int]] = {}
    for course in courses:
        first = course.first
        if first is None:
            continue
        first_session, first_total = first
        for session, total in sorted(course.scores):
            if session != first_session:
                cells.setdefault(session, []).append(total - first_total)
    return cells


def _rounded(value: Fraction) -> float:
    return round(float(value), 2)


def fit_curve(band: str, courses: Sequence[CourseScores]) -> Curve:
    """Fit one band's curve from its finished courses (rules in the module docstring)."""
    cells = {
        session: changes
        for session, changes in changes_by_session(courses).items()
        if len(changes) >= MIN_AT_SESSION
    }
    ordered = dict(sorted(cells.items()))
    low = smooth({s: percentile(v, LOW_SHARE) for s, v in ordered.items()})
    median = smooth({s: percentile(v, Fraction(1, 2)) for s, v in ordered.items()})
    high = smooth({s: percentile(v, HIGH_SHARE) for s, v in ordered.items()})
    points = tuple(
        CurvePoint(
            session=s,
            courses=len(ordered[s]),
            low=_rounded(low[s]),
            median=_rounded(median[s]),
            high=_rounded(high[s]),
        )
        for s in ordered
    )
    return Curve(band=band, courses=sum(1 for c in courses if c.scores), points=points)


def fit_curves(instrument: Instrument, courses: Iterable[CourseScores]) -> dict[str, Curve]:
    """A curve per starting band that has any finished course with scores."""
    by_band: dict[str, list[CourseScores]] = {}
    for course in courses:
        band = starting_band(instrument, course)
        if band is not None:
            by_band.setdefault(band, []).append(course)
    return {band: fit_curve(band, group) for band, group in by_band.items()}


def choose_curve(practice: Curve | None, instance: Curve | None) -> tuple[Curve | None, Basis]:
    """The practice's curve when it rests on enough courses, else the instance's, else none."""
    if practice is not None and practice.courses >= MIN_COURSES:
        return practice, Basis.PRACTICE
    if instance is not None and instance.courses >= MIN_COURSES:
        return instance, Basis.INSTANCE
    return None, Basis.RULE


def improvement_checkpoint(planned: int) -> int:
    """The session by which reliable improvement is expected: 8 of 16, half rounded up."""
    return (planned + 1) // 2


def _improvement_possible(rule: MeasureRule, instrument: Instrument, first: int) -> bool:
    # A first score too low for any later score to be a reliable fall (PHQ-9 below 6)
    # cannot fail the improvement half of the rule: only deterioration applies.
    return change_between(rule, first, instrument.total_min) is Change.IMPROVED


def _judged(
    rule: MeasureRule, first: int, score: int, due: bool, improvement_possible: bool
) -> tuple[bool, str]:
    change = change_between(rule, first, score)
    if change is Change.DETERIORATED:
        return False, "deterioration"
    if due and change is not Change.IMPROVED and improvement_possible:
        return False, "no_improvement"
    return True, ""


@lru_cache(maxsize=1024)
def _accepted_range(
    rule: MeasureRule, total_min: int, total_max: int, first: int, due: bool, possible: bool
) -> tuple[int, int]:
    """The lowest and highest scores the rule accepts. Kept: it depends on these few
    values alone, and every score written to a course judged by the rule asks for it
    (a rule's thresholds are values, so a changed rule is a different key)."""
    accepted = [
        total
        for total in range(total_min, total_max + 1)
        if _judged(rule, first, total, due, possible)[0]
    ]
    return min(accepted), max(accepted)


def rule_verdict(
    rule: MeasureRule, instrument: Instrument, *, first: int, session: int, score: int, planned: int
) -> Verdict:
    """Judge a score by the fallback rule (module docstring)."""
    due = session >= improvement_checkpoint(planned)
    possible = due and _improvement_possible(rule, instrument, first)
    on_track, reason = _judged(rule, first, score, due, possible)
    low, high = _accepted_range(
        rule, instrument.total_min, instrument.total_max, first, due, possible
    )
    return Verdict(on_track, session, score, first, low, high, Basis.RULE, reason)


def judge(
    *,
    rule: MeasureRule,
    instrument: Instrument,
    curve: Curve | None,
    basis: Basis,
    first: int,
    session: int,
    score: int,
    planned: int,
) -> Verdict:
    """Whether the latest score is on track against the curve, or by the fallback rule."""
    point = curve.at(session) if curve is not None else None
    if point is None:
        return rule_verdict(
            rule, instrument, first=first, session=session, score=score, planned=planned
        )
    low = max(instrument.total_min, min(instrument.total_max, ceil(first + point.low)))
    high = max(instrument.total_min, min(instrument.total_max, floor(first + point.high)))
    # A band narrower than one point can round to an empty range; show its upper end.
    low = min(low, high)
    on_track = score - first <= point.high
    return Verdict(
        on_track, session, score, first, low, high, basis, "" if on_track else "above_band"
    )


@dataclass(frozen=True)
class Expected:
    """The expected range of scores at one session, for the chart: curve or rule."""

    session: int
    low: float
    high: float
    median: float | None


def expected_ranges(
    *,
    rule: MeasureRule,
    instrument: Instrument,
    curve: Curve | None,
    first: int,
    planned: int,
    sessions: Iterable[int],
) -> list[Expected]:
    """The expected range at each session: the curve's band where it has a point, else the rule's."""
    top, bottom = instrument.total_max, instrument.total_min
    ranges = []
    # The rule's range at a session depends on the session only through whether the
    # improvement checkpoint has passed: worked out once for each side of it.
    rule_ranges: dict[bool, tuple[int, int]] = {}
    checkpoint = improvement_checkpoint(planned)
    for session in sessions:
        point = curve.at(session) if curve is not None else None
        if point is not None:
            ranges.append(
                Expected(
                    session,
                    max(bottom, min(top, first + point.low)),
                    max(bottom, min(top, first + point.high)),
                    max(bottom, min(top, first + point.median)),
                )
            )
        else:
            late = session >= checkpoint
            found = rule_ranges.get(late)
            if found is None:
                verdict = rule_verdict(
                    rule, instrument, first=first, session=session, score=first, planned=planned
                )
                found = rule_ranges[late] = (verdict.low, verdict.high)
            ranges.append(Expected(session, found[0], found[1], None))
    return ranges
