"""The outcome rules in force: the instruments' defaults, overridden by settings.

`PATTERNWORK_OUTCOME_THRESHOLDS` (settings, from the environment as JSON) may change any
caseness or reliable-change threshold and its comparator, for example
{"PHQ-9": {"reliable_change": [">", 6]}}. The course page, the summary sentences and the
service report all read the rules from here, so they never disagree.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from patternwork.measures.definitions import Comparator, Threshold
from patternwork.measures.outcomes import MeasureRule, OutcomeConfig

BAD_OVERRIDE = (
    "PATTERNWORK_OUTCOME_THRESHOLDS: {code} {name} must be [comparator, whole number] with a "
    "comparator of >=, >, <= or <; got {value!r}."
)


def _threshold(code: str, name: str, value, default: Threshold) -> Threshold:
    if value is None:
        return default
    try:
        comparator, number = value
        if isinstance(number, bool) or not isinstance(number, int):
            raise ValueError
        return Threshold(Comparator(comparator), number)
    except (TypeError, ValueError):
        raise ImproperlyConfigured(BAD_OVERRIDE.format(code=code, name=name, value=value)) from None


def _rule(default: MeasureRule, overrides: dict) -> MeasureRule:
    given = overrides.get(default.code, {})
    return MeasureRule(
        default.code,
        _threshold(default.code, "caseness", given.get("caseness"), default.caseness),
        _threshold(
            default.code, "reliable_change", given.get("reliable_change"), default.reliable_change
        ),
    )


def outcome_config() -> OutcomeConfig:
    """The outcome rules in force for this installation."""
    overrides = getattr(settings, "PATTERNWORK_OUTCOME_THRESHOLDS", {}) or {}
    defaults = OutcomeConfig()
    return OutcomeConfig(
        depression=_rule(defaults.depression, overrides),
        anxiety=_rule(defaults.anxiety, overrides),
    )
