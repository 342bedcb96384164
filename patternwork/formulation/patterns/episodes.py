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
_WHENS, _ERAS, _PHASES, _VALENCES = (_MEMBERS[enum] for enum in (When, Era, Phase, Valence))
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

    @classmethod
    def stored(
        cls,
        id: EpisodeId,
        person_key: Hashable,
        person_label: str,
        when: str,
        person_era: str | None,
        phase: str | None,
        wish: frozenset[str],
        ro: frozenset[str],
        rs: frozenset[str],
        wish_valence: str | None,
        ro_valence: str | None,
        rs_valence: str | None,
    ) -> Episode:
        """An episode read from storage, hundreds at a time: when every value is one the
        checks would accept as it is (known enum values, categories already frozensets),
        the episode is made with the same fields without running them one by one;
        anything else goes through the checks and is coerced or rejected as usual."""
        try:
            # The fields as __post_init__ would set them, looked up rather than checked.
            fields = {
                "id": id,
                "person_key": person_key,
                "person_label": person_label,
                "when": _WHENS[when],
                "person_era": None if person_era is None else _ERAS[person_era],
                "phase": None if phase is None else _PHASES[phase],
                "wish": wish,
                "ro": ro,
                "rs": rs,
                "wish_valence": None if wish_valence is None else _VALENCES[wish_valence],
                "ro_valence": None if ro_valence is None else _VALENCES[ro_valence],
                "rs_valence": None if rs_valence is None else _VALENCES[rs_valence],
            }
        except (KeyError, TypeError):
            fields = None
        if fields is None or not (type(wish) is type(ro) is type(rs) is frozenset):
            return cls(
                id=id,
                person_key=person_key,
                person_label=person_label,
                when=when,
                person_era=person_era,
                phase=phase,
                wish=wish,
                ro=ro,
                rs=rs,
                wish_valence=wish_valence,
                ro_valence=ro_valence,
                rs_valence=rs_valence,
            )
        episode = object.__new__(cls)
        # A frozen dataclass's fields live in its __dict__; __post_init__ would set the
        # same values through object.__setattr__.
        episode.__dict__.update(fields)
        return episode

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
