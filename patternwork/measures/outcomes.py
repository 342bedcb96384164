"""NHS Talking Therapies outcomes for one course, and service rates over many courses.

Source: NHS Digital, *A guide to IAPT data and publications* v2.1, and NHS England's
analytics SQL for the denominators; docs/outcomes.md gives the reasons for Patternwork's own
choices, and worked examples. Scores are the valid totals of PHQ-9 and of the anxiety
measure (GAD-7 by default) taken at attended treatment sessions; higher totals mean more
severe. Scores taken at an assessment are not treatment scores and are never paired: the
caller (``measures.summary.score_points``) passes treatment-session scores only.

Per course:
- first score = the earliest by ``when`` (ties keep the order given); last score = the latest
  score from a contact other than the first score's contact. A measure is paired when such a
  last score exists; the course is paired when both measures are.
- caseness at start is decided from the first scores that exist: at caseness when any of them
  is at caseness (a course whose PHQ-9 was never scored but whose first GAD-7 is 17 is at
  caseness), not at caseness when none is, and None only when neither measure has a score.
- recovered = paired, at caseness at start, and both last scores below caseness. A paired
  course that was not at caseness at start has recovered = None: recovery does not apply to
  it (it is excluded from the recovery denominator), which is not the same as "not recovered".
  An unpaired course has recovered = None too, but stays in the recovery denominator
  (``counts_for_recovery``), where it counts as not recovered.
- per-measure change: improved when the fall meets the reliable-change threshold, deteriorated
  when the rise does, otherwise no reliable change.
- reliable improvement = a reliable fall on either measure and no reliable rise on either;
  reliable deterioration = a reliable rise on either (so a course with one measure improved and
  the other deteriorated counts as deteriorated; both per-measure categories are kept);
  no reliable change = paired and neither.
- reliable recovery = recovered and reliable improvement.
Any value that cannot be computed (no pair, no first score) is None, never False.

Service rates (``service_rates``) count finished courses only, that is courses that ended
with at least two attended treatment sessions; the caller says which those are.
- recovery and reliable recovery: over finished courses minus finished courses *with paired
  scores* that were not at caseness at start (the NHS "finished minus finished not at
  caseness"). A finished course without paired scores stays in this denominator and counts
  as not recovered, so incomplete scores lower the rate, as in the national figures.
- at caseness at start (``paired_at_caseness``) counts finished courses with paired scores
  only; ``finished_unpaired`` counts the finished courses without paired scores (data
  completeness). The recovery denominator is their sum.
- reliable improvement and reliable deterioration: over all finished courses, paired or not,
  at caseness or not (NHS England analytics SQL).
Rates are exact ``Fraction`` values so another implementation (the SQL report) can be compared
exactly; a rate is None when its denominator is 0.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from fractions import Fraction
from operator import attrgetter

from patternwork.measures.definitions import Instrument, Threshold, get_instrument
from patternwork.measures.scoring import compare

MISSING_THRESHOLDS = (
    "{code} cannot be used for outcomes: it has no caseness or reliable-change threshold."
)
NOT_PAIRED = "Not paired: fewer than two {codes} scores."
NOT_FINISHED = "Course not finished, so not counted in service rates."


class Change(StrEnum):
    IMPROVED = "improved"
    NO_RELIABLE_CHANGE = "no_reliable_change"
    DETERIORATED = "deteriorated"


@dataclass(frozen=True)
class ScorePoint:
    contact_id: Hashable
    when: datetime
    total: int


@dataclass(frozen=True)
class MeasureRule:
    code: str
    caseness: Threshold
    reliable_change: Threshold

    @classmethod
    def from_instrument(cls, instrument: Instrument) -> MeasureRule:
        if instrument.caseness is None or instrument.reliable_change is None:
            raise ValueError(MISSING_THRESHOLDS.format(code=instrument.code))
        return cls(instrument.code, instrument.caseness, instrument.reliable_change)


def _bundled_rule(code: str) -> MeasureRule:
    return MeasureRule.from_instrument(get_instrument(code))


@dataclass(frozen=True)
class OutcomeConfig:
    depression: MeasureRule = field(default_factory=lambda: _bundled_rule("PHQ-9"))
    anxiety: MeasureRule = field(default_factory=lambda: _bundled_rule("GAD-7"))


@dataclass(frozen=True)
class MeasureOutcome:
    code: str
    first: ScorePoint | None
    last: ScorePoint | None
    change: Change | None

    @property
    def paired(self) -> bool:
        return self.last is not None


@dataclass(frozen=True)
class CourseOutcome:
    finished: bool
    depression: MeasureOutcome
    anxiety: MeasureOutcome
    paired: bool
    caseness_at_start: bool | None
    recovered: bool | None
    reliable_improvement: bool | None
    reliable_deterioration: bool | None
    no_reliable_change: bool | None
    reliable_recovery: bool | None

    @property
    def counts_for_recovery(self) -> bool:
        """Whether the course, once finished, is in the recovery and reliable-recovery denominator.

        Only a paired course that was not at caseness at start is left out; an unpaired course
        stays in and counts as not recovered.
        """
        return not (self.paired and self.caseness_at_start is False)


def _caseness_at_start(
    dep: MeasureOutcome, anx: MeasureOutcome, config: OutcomeConfig
) -> bool | None:
    firsts = [
        (rule.caseness, measure.first.total)
        for rule, measure in ((config.depression, dep), (config.anxiety, anx))
        if measure.first is not None
    ]
    if not firsts:
        return None
    return any(compare(threshold, total) for threshold, total in firsts)


def change_between(rule: MeasureRule, first: int, later: int) -> Change:
    """Classify the change from one total to a later one against the reliable-change rule.

    The one definition of reliable change: the course outcome uses it for the first and
    last scores, and the not-on-track fallback rule for the first and the latest.
    """
    fall = first - later
    if compare(rule.reliable_change, fall):
        return Change.IMPROVED
    if compare(rule.reliable_change, -fall):
        return Change.DETERIORATED
    return Change.NO_RELIABLE_CHANGE


def _measure_outcome(points: Sequence[ScorePoint], rule: MeasureRule) -> MeasureOutcome:
    # sorted() is stable, so scores with the same `when` keep the order the caller gave.
    ordered = sorted(points, key=attrgetter("when"))
    if not ordered:
        return MeasureOutcome(rule.code, None, None, None)
    first = ordered[0]
    # Two scores from one contact are not a pair: a change needs two points in time. So the
    # last score is the latest one recorded at any other contact.
    last = next((p for p in reversed(ordered) if p.contact_id != first.contact_id), None)
    if last is None:
        return MeasureOutcome(rule.code, first, None, None)
    return MeasureOutcome(rule.code, first, last, change_between(rule, first.total, last.total))


def course_outcome(
    depression: Sequence[ScorePoint],
    anxiety: Sequence[ScorePoint],
    *,
    finished: bool,
    config: OutcomeConfig | None = None,
) -> CourseOutcome:
    """Compute the NHS Talking Therapies outcome of one course (rules in the module docstring)."""
    config = config or OutcomeConfig()
    dep = _measure_outcome(depression, config.depression)
    anx = _measure_outcome(anxiety, config.anxiety)
    caseness = _caseness_at_start(dep, anx, config)
    if dep.last is None or anx.last is None:
        return CourseOutcome(finished, dep, anx, False, caseness, None, None, None, None, None)
    recovered = None
    if caseness:
        recovered = not compare(config.depression.caseness, dep.last.total) and not compare(
            config.anxiety.caseness, anx.last.total
        )
    changes = {dep.change, anx.change}
    deteriorated = Change.DETERIORATED in changes
    improved = Change.IMPROVED in changes and not deteriorated
    return CourseOutcome(
        finished=finished,
        depression=dep,
        anxiety=anx,
        paired=True,
        caseness_at_start=caseness,
        recovered=recovered,
        reliable_improvement=improved,
        reliable_deterioration=deteriorated,
        no_reliable_change=not improved and not deteriorated,
        reliable_recovery=None if recovered is None else recovered and improved,
    )


# Two contacts standing for a stored pair: the first and the last score of a measure.
_FIRST, _LAST = "first", "last"
_FIRST_WHEN, _LAST_WHEN = datetime.min, datetime.max


def _stored(first: int | None, last: int | None) -> list[ScorePoint]:
    points = [] if first is None else [ScorePoint(_FIRST, _FIRST_WHEN, first)]
    if first is not None and last is not None:
        points.append(ScorePoint(_LAST, _LAST_WHEN, last))
    return points


def outcome_from_totals(
    depression: tuple[int | None, int | None],
    anxiety: tuple[int | None, int | None],
    *,
    finished: bool,
    config: OutcomeConfig | None = None,
) -> CourseOutcome:
    """Compute a course's outcome from its first and last totals of each measure.

    For totals stored as the per-course summary keeps them, (first, last), where last is
    None unless a score from another contact exists. The same rules as
    ``course_outcome``, which this calls with the two totals as two contacts.
    """
    return course_outcome(_stored(*depression), _stored(*anxiety), finished=finished, config=config)


def _scores(measures: Iterable[MeasureOutcome]) -> str:
    return " and ".join(
        f"{m.code} ({m.first.total} to {m.last.total})"
        for m in measures
        if m.first is not None and m.last is not None
    )


def describe(outcome: CourseOutcome) -> str:
    """Say what a course outcome means in plain words for a clinician."""
    measures = (outcome.depression, outcome.anxiety)
    if not outcome.paired:
        codes = " and ".join(m.code for m in measures if not m.paired)
        text = NOT_PAIRED.format(codes=codes)
    else:
        head = {True: "Recovered", False: "Not recovered", None: "Below caseness at start"}[
            outcome.recovered
        ]
        improved = [m for m in measures if m.change is Change.IMPROVED]
        deteriorated = [m for m in measures if m.change is Change.DETERIORATED]
        if deteriorated:
            body = f"reliable deterioration on {_scores(deteriorated)}"
            if improved:
                body += f" despite a reliable fall on {_scores(improved)}"
        elif improved:
            body = f"reliable improvement on {_scores(improved)}"
        else:
            body = f"no reliable change on {_scores(measures)}"
        text = f"{head}; {body}."
    if not outcome.finished:
        text = f"{text} {NOT_FINISHED}"
    return text


@dataclass(frozen=True)
class Rate:
    count: int
    denominator: int

    @property
    def value(self) -> Fraction | None:
        if self.denominator == 0:
            return None
        return Fraction(self.count, self.denominator)


@dataclass(frozen=True)
class ServiceRates:
    finished: int
    finished_unpaired: int
    paired_at_caseness: int
    recovery: Rate
    reliable_recovery: Rate
    reliable_improvement: Rate
    reliable_deterioration: Rate


def service_rates(outcomes: Iterable[CourseOutcome]) -> ServiceRates:
    """Count finished courses and their outcome rates (denominators: module docstring)."""
    finished = [o for o in outcomes if o.finished]
    for_recovery = [o for o in finished if o.counts_for_recovery]
    return ServiceRates(
        finished=len(finished),
        finished_unpaired=sum(not o.paired for o in finished),
        paired_at_caseness=sum(o.paired and o.caseness_at_start is True for o in finished),
        recovery=Rate(sum(o.recovered is True for o in for_recovery), len(for_recovery)),
        reliable_recovery=Rate(
            sum(o.reliable_recovery is True for o in for_recovery), len(for_recovery)
        ),
        reliable_improvement=Rate(
            sum(o.reliable_improvement is True for o in finished), len(finished)
        ),
        reliable_deterioration=Rate(
            sum(o.reliable_deterioration is True for o in finished), len(finished)
        ),
    )
