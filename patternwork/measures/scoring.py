"""Score one administration of an instrument from its definition.

Answers map item keys to option values. A key that is absent means the item was not answered;
the value ``None`` (``NOT_APPLICABLE``) means the person marked the item "not applicable",
which only items that allow it accept (the WSAS work item). The scoring rules come from the
instrument's definition file (see ``definitions.py``); nothing here is specific to one
instrument.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from patternwork.measures.definitions import Band, Instrument, Item, Threshold

NOT_APPLICABLE = None
# An item absent from the answers (not answered), told apart from one marked N/A.
_UNANSWERED = object()

INCOMPLETE_RESPONSE = "{code} is incomplete: no answer to {items}."
MISSING_ITEM = "item {number} ({text})"
UNKNOWN_ITEM = "{code} has no item {key!r}."
NOT_AN_OPTION = "{code} item {number} ({text}): {value!r} is not one of {allowed}."
NOT_APPLICABLE_REFUSED = "{code} item {number} ({text}) cannot be answered 'not applicable'."
TOTAL_INVALID = "A {code} total is a whole number from {low} to {high}."


@dataclass(frozen=True)
class RiskHit:
    item: str
    value: int


@dataclass(frozen=True)
class Score:
    code: str
    version: int
    total: int
    max_total: int
    band: Band
    caseness: bool | None
    risk: tuple[RiskHit, ...]
    not_applicable: tuple[str, ...]
    prorated: tuple[str, ...]


class ResponseError(ValueError):
    """The answers cannot be scored."""


class InvalidResponse(ResponseError):
    """An answer names an unknown item, is not one of the item's options, or is a refused N/A."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = tuple(problems)


class IncompleteResponse(ResponseError):
    """Required items are unanswered; the risk items that fired on the rest are kept."""

    def __init__(
        self, instrument: Instrument, missing: Sequence[Item], risk: Sequence[RiskHit]
    ) -> None:
        items = "; ".join(
            MISSING_ITEM.format(number=item.number, text=item.text) for item in missing
        )
        super().__init__(INCOMPLETE_RESPONSE.format(code=instrument.code, items=items))
        self.missing = tuple(item.key for item in missing)
        # A partly completed PHQ-9 with item 9 answered must still raise the risk flag: a
        # flag lost with an incomplete questionnaire is a named clinical hazard
        # (docs/clinical-safety.md), so the caller gets the hits even without a total.
        self.risk = tuple(risk)


def compare(threshold: Threshold, value: int) -> bool:
    """Return whether value meets threshold (value <comparator> threshold.value)."""
    return threshold.comparator.holds(value, threshold.value)


def _problem(instrument: Instrument, key: str, value: int | None) -> str | None:
    item = instrument.item(key)
    if item is None:
        return UNKNOWN_ITEM.format(code=instrument.code, key=key)
    if value is NOT_APPLICABLE:
        if not item.not_applicable_allowed:
            return NOT_APPLICABLE_REFUSED.format(
                code=instrument.code, number=item.number, text=item.text
            )
        return None
    # bool is an int subclass; True is not a valid answer code.
    if isinstance(value, bool) or not isinstance(value, int) or not item.has_value(value):
        return NOT_AN_OPTION.format(
            code=instrument.code,
            number=item.number,
            text=item.text,
            value=value,
            allowed=", ".join(str(v) for v in item.values),
        )
    return None


def split_valid(
    instrument: Instrument, answers: Mapping[str, int | None]
) -> tuple[dict[str, int | None], tuple[str, ...]]:
    """Return the valid answers and a message for each invalid one.

    A risk answer must survive a mistake elsewhere in the same questionnaire, so the
    valid answers are kept apart from the refused ones.
    """
    valid, problems = {}, []
    for key, value in answers.items():
        problem = _problem(instrument, key, value)
        if problem is None:
            valid[key] = value
        else:
            problems.append(problem)
    return valid, tuple(problems)


def _check(instrument: Instrument, answers: Mapping[str, int | None]) -> None:
    # Nearly every answer set is valid: one lookup per answer proves it (a known item, a
    # plain int that is one of its options). Anything else, None and int subclasses
    # included, takes `split_valid`'s item-by-item check and its messages.
    option_scores = instrument.option_scores
    for key, value in answers.items():
        options = option_scores.get(key)
        if options is None or type(value) is not int or value not in options:
            break
    else:
        return
    _valid, problems = split_valid(instrument, answers)
    if problems:
        raise InvalidResponse(problems)


def _risk_hits(instrument: Instrument, answers: Mapping[str, int | None]) -> tuple[RiskHit, ...]:
    hits = []
    for rule in instrument.risk_items:
        value = answers.get(rule.item)
        if value is not None and compare(rule.threshold, value):
            hits.append(RiskHit(item=rule.item, value=value))
    return tuple(hits)


def risk_hits(instrument: Instrument, answers: Mapping[str, int | None]) -> tuple[RiskHit, ...]:
    """Return the risk items that fired, from whatever valid answers exist.

    Works on incomplete answers so a risk answer is never lost for want of a total
    (a risk flag is never suppressed; docs/clinical-safety.md says why).
    """
    _check(instrument, answers)
    return _risk_hits(instrument, answers)


def risk_hits_checked(
    instrument: Instrument, answers: Mapping[str, int | None]
) -> tuple[RiskHit, ...]:
    """`risk_hits` for answers that `split_valid` has already kept as valid: the same
    hits, without checking every answer again."""
    return _risk_hits(instrument, answers)


def _round_half_up(value: Fraction) -> int:
    return (2 * value.numerator + value.denominator) // (2 * value.denominator)


def score(instrument: Instrument, answers: Mapping[str, int | None]) -> Score:
    """Score answers to instrument: sum of the scored items, band, caseness and risk items.

    Rules from the instrument's definition file; the only scoring method the loader accepts
    is "sum". Unscored items (the PHQ-9 difficulty item)
    never enter the total; a not-applicable item lowers the maximum (WSAS: 32 instead of 40).
    Missing required items raise IncompleteResponse, unless the instrument defines pro-rating
    and no more than its max_missing scored items are missing (total = sum of answered items
    x applicable items / answered items, rounded half up).
    """
    _check(instrument, answers)
    return _score(instrument, answers)


def score_checked(instrument: Instrument, answers: Mapping[str, int | None]) -> Score:
    """`score` for answers that `split_valid` has already kept as valid: the same score
    (or IncompleteResponse), without checking every answer again."""
    return _score(instrument, answers)


def _score(instrument: Instrument, answers: Mapping[str, int | None]) -> Score:
    risk = _risk_hits(instrument, answers)
    raw = max_total = answered = applicable = 0
    not_applicable = []
    for key, option_scores, max_score in instrument.scored_table:
        value = answers.get(key, _UNANSWERED)
        if value is NOT_APPLICABLE:
            not_applicable.append(key)
            continue
        applicable += 1
        max_total += max_score
        if value is not _UNANSWERED:
            answered += 1
            raw += option_scores[value] or 0
    missing = [item for item in instrument.required_items if item.key not in answers]
    prorating = instrument.scoring.prorating
    can_prorate = (
        prorating is not None
        and len(missing) <= prorating.max_missing
        and all(item.scored for item in missing)
        and answered > 0
    )
    if missing and not can_prorate:
        raise IncompleteResponse(instrument, missing, risk)
    total = raw if not missing else _round_half_up(Fraction(raw * applicable, answered))
    return Score(
        code=instrument.code,
        version=instrument.version,
        total=total,
        max_total=max_total,
        band=instrument.band_for(total),
        caseness=None if instrument.caseness is None else compare(instrument.caseness, total),
        risk=risk,
        not_applicable=tuple(not_applicable),
        prorated=tuple(item.key for item in missing),
    )


def score_total(instrument: Instrument, total: int) -> Score:
    """Band and caseness of a total given without its item answers.

    For a score carried over from another system, where only the total was kept. The
    bands and the caseness threshold are the instrument's, as in `score`; with no item
    answers no risk item can fire, and nothing is pro-rated.
    """
    if (
        isinstance(total, bool)
        or not isinstance(total, int)
        or not instrument.total_min <= total <= instrument.total_max
    ):
        raise InvalidResponse(
            [
                TOTAL_INVALID.format(
                    code=instrument.code, low=instrument.total_min, high=instrument.total_max
                )
            ]
        )
    return Score(
        code=instrument.code,
        version=instrument.version,
        total=total,
        max_total=instrument.total_max,
        band=instrument.band_for(total),
        caseness=None if instrument.caseness is None else compare(instrument.caseness, total),
        risk=(),
        not_applicable=(),
        prorated=(),
    )
