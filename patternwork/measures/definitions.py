"""Load questionnaire definitions (instruments as data) and validate them strictly.

Each instrument version is one JSON file in ``instruments/`` named ``<slug>-v<version>.json``
(``phq9-v1.json``). Adding an instrument means adding a file: every rule the scorer and the
outcome definitions need (items, answer options and their scores, bands, thresholds with
comparators, risk items, LOINC codes, licence line) lives in the file, and the loader rejects
anything it does not understand rather than guessing.

Each bundled file names its sources in its copyright line and notes; docs/outcomes.md says
why thresholds carry their comparators.
"""

from __future__ import annotations

import functools
import json
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any

INSTRUMENTS_DIR = Path(__file__).resolve().parent / "instruments"

WRONG_TYPE = "{path}: expected {expected}, got {value!r}."
UNKNOWN_KEYS = "{path}: unknown key(s) {keys}."
MISSING_KEYS = "{path}: missing key(s) {keys}."
BAD_VERSION = "{path}: version must be 1 or more, got {value}."
BAD_KEY = "{path}: {value!r} is not a valid key (lower case letters, digits and _)."
BAD_LOINC = "{path}: {value!r} is not a LOINC code with a valid check digit."
BAD_LOINC_ANSWER = "{path}: {value!r} is not a LOINC answer code (LA<digits>-<digit>)."
UNKNOWN_CHOICE = "{path}: {value!r} is not one of {choices}."
DUPLICATE = "{path}: duplicate {what} {value!r}."
UNKNOWN_ANSWER_LIST = "{path}: no answer list named {value!r}."
UNUSED_ANSWER_LISTS = "{path}: answer list(s) {names} are not used by any item."
OPTION_SCORE_MISMATCH = "{path}: options of a scored item need an integer score, others null."
NEGATIVE_OPTION_SCORE = "{path}: option score {value} is below 0."
SCORED_ITEM_NOT_REQUIRED = (
    "{path}: a scored item must be required (pro-rating, where the instrument defines it, "
    "is the only way to score around a missing item)."
)
NO_SCORED_ITEMS = "{path}: at least one item must be scored."
BAD_TOTAL_RANGE = (
    "{path}: total range {low}-{high} does not match the scored items, whose option scores "
    "add up to {item_low}-{item_high}."
)
BANDS_DO_NOT_TILE = "{path}: bands must cover {low}-{high} without gaps or overlaps; {problem}."
THRESHOLD_OUT_OF_RANGE = "{path}: value {value} is outside the total range {low}-{high}."
BAD_RELIABLE_CHANGE = (
    "{path}: reliable change must be a positive change with '>=' or '>', got {comparator} {value}."
)
UNKNOWN_RISK_ITEM = "{path}: no item with key {value!r}."
RISK_ITEM_NEVER_FIRES = "{path}: no answer to item {key!r} meets this risk rule."
BAD_PRORATING = "{path}: max_missing must be between 1 and {limit}, got {value}."
NOT_JSON = "{path}: not valid JSON: {error}."
FILE_NAME_MISMATCH = "{path}: a definition of {code} version {version} must be named {expected}."
TOTAL_OUT_OF_RANGE = "{code}: total {total} is outside the total range."
UNKNOWN_INSTRUMENT = "No instrument {code!r}{version} is defined."

_KEY = re.compile(r"[a-z][a-z0-9_]*\Z")
_LOINC = re.compile(r"([0-9]{1,7})-([0-9])\Z")
_LOINC_ANSWER = re.compile(r"LA[0-9]{1,7}-[0-9]\Z")


class DefinitionError(ValueError):
    """An instrument definition file is malformed or inconsistent."""

    def __init__(self, template: str, **fields: object) -> None:
        super().__init__(template.format(**fields))


class UnknownInstrument(LookupError):
    """No definition exists for the requested instrument code and version."""


class Comparator(StrEnum):
    GE = ">="
    GT = ">"
    LE = "<="
    LT = "<"

    def holds(self, left: int, right: int) -> bool:
        return _OPERATORS[self](left, right)


_OPERATORS: dict[Comparator, Callable[[int, int], bool]] = {
    Comparator.GE: operator.ge,
    Comparator.GT: operator.gt,
    Comparator.LE: operator.le,
    Comparator.LT: operator.lt,
}


class ScoringMethod(StrEnum):
    SUM = "sum"


@dataclass(frozen=True)
class Threshold:
    comparator: Comparator
    value: int


@dataclass(frozen=True)
class Option:
    value: int
    label: str
    score: int | None
    loinc: str | None


@dataclass(frozen=True)
class Item:
    key: str
    number: int
    text: str
    loinc: str | None
    scored: bool
    required: bool
    not_applicable_allowed: bool
    options: tuple[Option, ...]
    _scores: Mapping[int, int | None] = field(init=False, repr=False, compare=False)
    min_score: int = field(init=False, compare=False)
    max_score: int = field(init=False, compare=False)

    def __post_init__(self) -> None:
        scores = MappingProxyType({option.value: option.score for option in self.options})
        object.__setattr__(self, "_scores", scores)
        # An unscored item contributes nothing, so its range is 0-0.
        object.__setattr__(self, "min_score", min(score or 0 for score in scores.values()))
        object.__setattr__(self, "max_score", max(score or 0 for score in scores.values()))

    @property
    def values(self) -> tuple[int, ...]:
        return tuple(self._scores)

    def has_value(self, value: int) -> bool:
        return value in self._scores

    def score_of(self, value: int) -> int | None:
        return self._scores[value]


@dataclass(frozen=True)
class Band:
    code: str
    label: str
    low: int
    high: int


@dataclass(frozen=True)
class RiskItem:
    item: str
    threshold: Threshold


@dataclass(frozen=True)
class Prorating:
    max_missing: int


@dataclass(frozen=True)
class Scoring:
    method: ScoringMethod
    prorating: Prorating | None


@dataclass(frozen=True)
class Instrument:
    code: str
    version: int
    title: str
    timeframe: str
    instructions: str
    items: tuple[Item, ...]
    scoring: Scoring
    total_min: int
    total_max: int
    bands: tuple[Band, ...]
    caseness: Threshold | None
    reliable_change: Threshold | None
    risk_items: tuple[RiskItem, ...]
    loinc_panel: str | None
    loinc_total: str | None
    copyright: str
    notes: tuple[str, ...]
    _items_by_key: Mapping[str, Item] = field(init=False, repr=False, compare=False)
    scored_items: tuple[Item, ...] = field(init=False, repr=False, compare=False)
    # What scoring reads for every answer, laid out once: each item's option values and
    # scores by key; each scored item's (key, scores, max_score); the required items.
    option_scores: Mapping[str, Mapping[int, int | None]] = field(
        init=False, repr=False, compare=False
    )
    scored_table: tuple[tuple[str, Mapping[int, int | None], int], ...] = field(
        init=False, repr=False, compare=False
    )
    required_items: tuple[Item, ...] = field(init=False, repr=False, compare=False)
    _band_by_total: tuple[Band, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Every score write goes through these lookups (and the tests score all 4^9 PHQ-9
        # answer vectors), so they are built once here rather than on each call.
        by_key = MappingProxyType({item.key: item for item in self.items})
        object.__setattr__(self, "_items_by_key", by_key)
        object.__setattr__(self, "scored_items", tuple(i for i in self.items if i.scored))
        option_scores = MappingProxyType({item.key: item._scores for item in self.items})
        object.__setattr__(self, "option_scores", option_scores)
        table = tuple((i.key, i._scores, i.max_score) for i in self.scored_items)
        object.__setattr__(self, "scored_table", table)
        object.__setattr__(self, "required_items", tuple(i for i in self.items if i.required))
        by_total = tuple(
            next(band for band in self.bands if band.low <= total <= band.high)
            for total in range(self.total_min, self.total_max + 1)
        )
        object.__setattr__(self, "_band_by_total", by_total)

    def item(self, key: str) -> Item | None:
        return self._items_by_key.get(key)

    def band_for(self, total: int) -> Band:
        if not self.total_min <= total <= self.total_max:
            raise ValueError(TOTAL_OUT_OF_RANGE.format(code=self.code, total=total))
        return self._band_by_total[total - self.total_min]


def _object(value: object, path: str, keys: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _wrong_type(value, path, "an object")
    if unknown := sorted(set(value) - keys):
        raise DefinitionError(UNKNOWN_KEYS, path=path, keys=", ".join(unknown))
    if missing := sorted(keys - set(value)):
        raise DefinitionError(MISSING_KEYS, path=path, keys=", ".join(missing))
    return value


def _wrong_type(value: object, path: str, expected: str) -> DefinitionError:
    return DefinitionError(WRONG_TYPE, path=path, expected=expected, value=value)


def _list(value: object, path: str, *, empty: bool = False) -> list[Any]:
    if isinstance(value, list) and (empty or value):
        return value
    raise _wrong_type(value, path, "a list" if empty else "a non-empty list")


def _text(value: object, path: str) -> str:
    if isinstance(value, str) and value.strip():
        return value
    raise _wrong_type(value, path, "non-empty text")


def _integer(value: object, path: str) -> int:
    # bool is an int subclass; true/false where a number belongs is a typo, not 1/0.
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise _wrong_type(value, path, "an integer")


def _flag(value: object, path: str) -> bool:
    if isinstance(value, bool):
        return value
    raise _wrong_type(value, path, "true or false")


def _key(value: object, path: str) -> str:
    if not isinstance(value, str) or not _KEY.match(value):
        raise DefinitionError(BAD_KEY, path=path, value=value)
    return value


def _comparator(value: object, path: str) -> Comparator:
    choices = [member.value for member in Comparator]
    if value not in choices:
        raise DefinitionError(UNKNOWN_CHOICE, path=path, value=value, choices=choices)
    return Comparator(value)


def loinc_check_digit_ok(code: str) -> bool:
    """Check a LOINC code's mod-10 check digit (LOINC Users' Guide, check digit appendix)."""
    match = _LOINC.match(code)
    if not match:
        return False
    total = 0
    for position, char in enumerate(reversed(match.group(1))):
        digit = int(char) * (2 if position % 2 == 0 else 1)
        total += digit // 10 + digit % 10
    return (10 - total % 10) % 10 == int(match.group(2))


def _loinc(value: object, path: str) -> str | None:
    if value is not None and not (isinstance(value, str) and loinc_check_digit_ok(value)):
        raise DefinitionError(BAD_LOINC, path=path, value=value)
    return value


def _loinc_answer(value: object, path: str) -> str | None:
    if value is not None and not (isinstance(value, str) and _LOINC_ANSWER.match(value)):
        raise DefinitionError(BAD_LOINC_ANSWER, path=path, value=value)
    return value


def _unique(path: str, what: str, value: object, seen: set[Any]) -> None:
    if value in seen:
        raise DefinitionError(DUPLICATE, path=path, what=what, value=value)
    seen.add(value)


def _threshold(data: Mapping[str, Any], path: str) -> Threshold:
    return Threshold(
        comparator=_comparator(data["comparator"], f"{path}.comparator"),
        value=_integer(data["value"], f"{path}.value"),
    )


def _options(value: object, path: str, *, scored: bool) -> tuple[Option, ...]:
    options = []
    seen: set[int] = set()
    for index, raw in enumerate(_list(value, path)):
        where = f"{path}[{index}]"
        data = _object(raw, where, {"value", "label", "score", "loinc"})
        score = data["score"]
        option = Option(
            value=_integer(data["value"], f"{where}.value"),
            label=_text(data["label"], f"{where}.label"),
            score=None if score is None else _integer(score, f"{where}.score"),
            loinc=_loinc_answer(data["loinc"], f"{where}.loinc"),
        )
        _unique(f"{where}.value", "option value", option.value, seen)
        if scored != (score is not None):
            raise DefinitionError(OPTION_SCORE_MISMATCH, path=f"{where}.score")
        if score is not None and score < 0:
            raise DefinitionError(NEGATIVE_OPTION_SCORE, path=f"{where}.score", value=score)
        options.append(option)
    return tuple(options)


_ITEM_KEYS = {"key", "text", "loinc", "scored", "required", "not_applicable", "options"}


def _items(value: object, path: str, lists: object, lists_path: str) -> tuple[Item, ...]:
    if not isinstance(lists, dict) or not lists:
        raise _wrong_type(lists, lists_path, "named lists")
    items = []
    keys: set[str] = set()
    used: set[str] = set()
    for index, raw in enumerate(_list(value, path)):
        where = f"{path}[{index}]"
        data = _object(raw, where, _ITEM_KEYS)
        key = _key(data["key"], f"{where}.key")
        _unique(f"{where}.key", "item key", key, keys)
        scored = _flag(data["scored"], f"{where}.scored")
        required = _flag(data["required"], f"{where}.required")
        if scored and not required:
            raise DefinitionError(SCORED_ITEM_NOT_REQUIRED, path=f"{where}.required")
        name = _text(data["options"], f"{where}.options")
        if name not in lists:
            raise DefinitionError(UNKNOWN_ANSWER_LIST, path=f"{where}.options", value=name)
        used.add(name)
        options = _options(lists[name], f"{lists_path}.{name}", scored=scored)
        na_allowed = _flag(data["not_applicable"], f"{where}.not_applicable")
        text, loinc = _text(data["text"], f"{where}.text"), _loinc(data["loinc"], f"{where}.loinc")
        items.append(Item(key, index + 1, text, loinc, scored, required, na_allowed, options))
    if unused := sorted(set(lists) - used):
        raise DefinitionError(UNUSED_ANSWER_LISTS, path=lists_path, names=unused)
    return tuple(items)


def _scoring(value: object, path: str, scored_count: int) -> Scoring:
    data = _object(value, path, {"method", "prorating"})
    if data["method"] != ScoringMethod.SUM:
        choices = [member.value for member in ScoringMethod]
        raise DefinitionError(
            UNKNOWN_CHOICE, path=f"{path}.method", value=data["method"], choices=choices
        )
    prorating = None
    if data["prorating"] is not None:
        rule = _object(data["prorating"], f"{path}.prorating", {"max_missing"})
        where = f"{path}.prorating.max_missing"
        max_missing = _integer(rule["max_missing"], where)
        if not 1 <= max_missing < scored_count:
            raise DefinitionError(
                BAD_PRORATING, path=where, limit=scored_count - 1, value=max_missing
            )
        prorating = Prorating(max_missing=max_missing)
    return Scoring(method=ScoringMethod.SUM, prorating=prorating)


def _bands(value: object, path: str, low: int, high: int) -> tuple[Band, ...]:
    bands = []
    codes: set[str] = set()
    # Totals are integers, so bands tile the range when each starts one above the last ends.
    start = low
    for index, raw in enumerate(_list(value, path)):
        where = f"{path}[{index}]"
        data = _object(raw, where, {"code", "label", "min", "max"})
        band = Band(
            code=_key(data["code"], f"{where}.code"),
            label=_text(data["label"], f"{where}.label"),
            low=_integer(data["min"], f"{where}.min"),
            high=_integer(data["max"], f"{where}.max"),
        )
        _unique(f"{where}.code", "band code", band.code, codes)
        if band.low != start or band.high < band.low:
            problem = f"band {band.code!r} covers {band.low}-{band.high} but must start at {start}"
            raise DefinitionError(BANDS_DO_NOT_TILE, path=path, low=low, high=high, problem=problem)
        start = band.high + 1
        bands.append(band)
    if start != high + 1:
        problem = f"the last band ends at {start - 1}"
        raise DefinitionError(BANDS_DO_NOT_TILE, path=path, low=low, high=high, problem=problem)
    return tuple(bands)


def _limit(value: object, path: str, low: int, high: int, *, change: bool) -> Threshold | None:
    if value is None:
        return None
    threshold = _threshold(_object(value, path, {"comparator", "value"}), path)
    comparator, size = threshold.comparator, threshold.value
    if not low <= size <= high:
        raise DefinitionError(THRESHOLD_OUT_OF_RANGE, path=path, value=size, low=low, high=high)
    # Outcomes read reliable change as "a change of at least this size"; a "<" rule or a zero
    # size would let one change be both an improvement and a deterioration.
    if change and (comparator not in (Comparator.GE, Comparator.GT) or size <= 0):
        raise DefinitionError(BAD_RELIABLE_CHANGE, path=path, comparator=comparator, value=size)
    return threshold


def _risk_items(value: object, path: str, items: tuple[Item, ...]) -> tuple[RiskItem, ...]:
    risk_items = []
    by_key = {item.key: item for item in items}
    for index, raw in enumerate(_list(value, path, empty=True)):
        where = f"{path}[{index}]"
        data = _object(raw, where, {"item", "comparator", "value"})
        key = _text(data["item"], f"{where}.item")
        if key not in by_key:
            raise DefinitionError(UNKNOWN_RISK_ITEM, path=f"{where}.item", value=key)
        threshold = _threshold(data, where)
        if not any(threshold.comparator.holds(v, threshold.value) for v in by_key[key].values):
            raise DefinitionError(RISK_ITEM_NEVER_FIRES, path=where, key=key)
        risk_items.append(RiskItem(item=key, threshold=threshold))
    return tuple(risk_items)


_TOP_KEYS = {
    *("code", "version", "title", "timeframe", "instructions", "answer_lists", "items"),
    *("scoring", "total_range", "bands", "caseness", "reliable_change", "risk_items"),
    *("loinc", "copyright", "notes"),
}


def parse_instrument(data: object, *, source: str = "definition") -> Instrument:
    """Turn one decoded JSON definition into an Instrument, or raise DefinitionError."""
    top = _object(data, source, _TOP_KEYS)

    def at(key: str) -> str:
        return f"{source}: {key}"

    version = _integer(top["version"], at("version"))
    if version < 1:
        raise DefinitionError(BAD_VERSION, path=at("version"), value=version)
    items = _items(top["items"], at("items"), top["answer_lists"], at("answer_lists"))
    scored = [item for item in items if item.scored]
    if not scored:
        raise DefinitionError(NO_SCORED_ITEMS, path=at("items"))
    total_range = _object(top["total_range"], at("total_range"), {"min", "max"})
    low = _integer(total_range["min"], at("total_range.min"))
    high = _integer(total_range["max"], at("total_range.max"))
    item_low = sum(item.min_score for item in scored)
    item_high = sum(item.max_score for item in scored)
    if (low, high) != (item_low, item_high):
        raise DefinitionError(
            BAD_TOTAL_RANGE,
            path=at("total_range"),
            low=low,
            high=high,
            item_low=item_low,
            item_high=item_high,
        )
    loinc = _object(top["loinc"], at("loinc"), {"panel", "total"})
    notes = _list(top["notes"], at("notes"), empty=True)
    return Instrument(
        code=_text(top["code"], at("code")),
        version=version,
        title=_text(top["title"], at("title")),
        timeframe=_text(top["timeframe"], at("timeframe")),
        instructions=_text(top["instructions"], at("instructions")),
        items=items,
        scoring=_scoring(top["scoring"], at("scoring"), len(scored)),
        total_min=low,
        total_max=high,
        bands=_bands(top["bands"], at("bands"), low, high),
        caseness=_limit(top["caseness"], at("caseness"), low, high, change=False),
        reliable_change=_limit(
            top["reliable_change"], at("reliable_change"), low, high, change=True
        ),
        risk_items=_risk_items(top["risk_items"], at("risk_items"), items),
        loinc_panel=_loinc(loinc["panel"], at("loinc.panel")),
        loinc_total=_loinc(loinc["total"], at("loinc.total")),
        copyright=_text(top["copyright"], at("copyright")),
        notes=tuple(_text(note, f"{at('notes')}[{i}]") for i, note in enumerate(notes)),
    )


def file_name_for(code: str, version: int) -> str:
    """Return the file name a definition must have (PHQ-9 version 1: phq9-v1.json)."""
    slug = re.sub(r"[^a-z0-9]", "", code.lower())
    return f"{slug}-v{version}.json"


def load_instrument_file(path: Path) -> Instrument:
    """Read, parse and validate one definition file, including its file name."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise DefinitionError(NOT_JSON, path=path.name, error=error) from error
    instrument = parse_instrument(data, source=path.name)
    expected = file_name_for(instrument.code, instrument.version)
    if path.name != expected:
        raise DefinitionError(
            FILE_NAME_MISMATCH,
            path=path.name,
            code=instrument.code,
            version=instrument.version,
            expected=expected,
        )
    return instrument


def load_all_versions(directory: Path | None = None) -> tuple[Instrument, ...]:
    """Load every definition in directory (default: the bundled ones), by code then version."""
    # The file name is derived from code and version, so two files cannot define the same pair.
    paths = (directory or INSTRUMENTS_DIR).glob("*.json")
    instruments = [load_instrument_file(path) for path in paths]
    return tuple(sorted(instruments, key=operator.attrgetter("code", "version")))


def load_instruments(directory: Path | None = None) -> dict[str, Instrument]:
    """Load the definitions in directory and return the latest version of each, by code."""
    return {instrument.code: instrument for instrument in load_all_versions(directory)}


@functools.cache
def _bundled() -> tuple[Instrument, ...]:
    return load_all_versions(INSTRUMENTS_DIR)


def get_instrument(code: str, version: int | None = None) -> Instrument:
    """Return a bundled instrument by code: the latest version unless one is named."""
    matches = [
        instrument
        for instrument in _bundled()
        if instrument.code == code and version in (None, instrument.version)
    ]
    if not matches:
        suffix = "" if version is None else f" version {version}"
        raise UnknownInstrument(UNKNOWN_INSTRUMENT.format(code=code, version=suffix))
    return matches[-1]
