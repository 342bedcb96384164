"""Relationship episodes as the pattern statistics read them.

Pure rules (no Django). The three parts follow Luborsky's CCRT: wish, response of other and
response of self, each optionally marked positive or negative, as the CCRT rates responses
(docs/relationship-patterns.md).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

CATEGORIES_NOT_A_SET = "The categories of an episode part must be a set of category ids."

EpisodeId = Hashable
E = TypeVar("E", bound=StrEnum)


class Part(StrEnum):
    WISH = "wish"
    RO = "ro"
    RS = "rs"


class When(StrEnum):
    CHILDHOOD = "childhood"
    PAST = "past"
    CURRENT = "current"
    IN_SESSION = "in_session"


# Recurrence asks whether a pattern from earlier relationships shows up with current people
# or with the therapist, which is the transference question DIT works with.
EARLIER = frozenset({When.CHILDHOOD, When.PAST})
LATER = frozenset({When.CURRENT, When.IN_SESSION})


class Era(StrEnum):
    CHILDHOOD = "childhood"
    ADOLESCENCE = "adolescence"
    ADULT_PAST = "adult_past"
    CURRENT = "current"


class Phase(StrEnum):
    INITIAL = "initial"
    MIDDLE = "middle"
    ENDING = "ending"


class Valence(StrEnum):
    POSITIVE = "positive"
    NEGATIVE = "negative"


# Each enum's members, found by value or by member: a dict lookup per field, since
# episodes are coerced by the hundred on every pattern read.
_MEMBERS: dict[type, dict[str, StrEnum]] = {
    enum: {key: member for member in enum for key in (member.value, member)}
    for enum in (When, Era, Phase, Valence)
}
_PART_FIELDS = {
    key: (part.value, f"{part.value}_valence") for part in Part for key in (part.value, part)
}
_PARTS = tuple((part.value, f"{part.value}_valence") for part in Part)


def _coerce(enum: type[E], value: str) -> E:
    try:
        return _MEMBERS[enum][value]
    except (KeyError, TypeError):
        # An unknown value is rejected by the enum itself, with its own message.
        return enum(value)


def _optional(enum: type[E], value: str | None) -> E | None:
    return None if value is None else _coerce(enum, value)


@dataclass(frozen=True)
class Episode:
    """Hold one coded relationship episode; plain strings are turned into the enums."""

    id: EpisodeId
    person_key: Hashable
    person_label: str
    when: When
    person_era: Era | None = None
    phase: Phase | None = None
    wish: frozenset[str] = frozenset()
    ro: frozenset[str] = frozenset()
    rs: frozenset[str] = frozenset()
    wish_valence: Valence | None = None
    ro_valence: Valence | None = None
    rs_valence: Valence | None = None

    def __post_init__(self) -> None:
        # StrEnum members hash by name, so a raw "current" would miss every dict keyed by
        # When.CURRENT; coercing here also rejects unknown values early.
        object.__setattr__(self, "when", _coerce(When, self.when))
        object.__setattr__(self, "person_era", _optional(Era, self.person_era))
        object.__setattr__(self, "phase", _optional(Phase, self.phase))
        for part, valence_name in _PARTS:
            categories = getattr(self, part)
            # frozenset("close") would silently become five one-letter categories.
            if isinstance(categories, str):
                raise TypeError(CATEGORIES_NOT_A_SET)
            object.__setattr__(self, part, frozenset(categories))
            valence = _optional(Valence, getattr(self, valence_name))
            object.__setattr__(self, valence_name, valence)

    def categories(self, part: Part) -> frozenset[str]:
        return getattr(self, _fields(part)[0])

    def valence(self, part: Part) -> Valence | None:
        return getattr(self, _fields(part)[1])


def _fields(part: Part) -> tuple[str, str]:
    """The names of a part's categories and valence fields."""
    try:
        return _PART_FIELDS[part]
    except (KeyError, TypeError):
        return _PART_FIELDS[Part(part)]
