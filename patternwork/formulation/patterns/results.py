"""Result types of the relationship-pattern statistics.

Pure rules (no Django). Every figure carries the ids of the episodes behind it so the
therapist can open them: the figures are aids to the therapist's judgement, and each must
be traceable to what the client said.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from typing import ClassVar, Generic, NamedTuple, TypeVar

from patternwork.formulation.patterns.episodes import (
    Episode,
    EpisodeId,
    Era,
    Part,
    Phase,
    Valence,
    When,
)

SHARE_INVALID = "A share needs a total of at least 1 and no more episodes than its total."

T = TypeVar("T")
K = TypeVar("K")


@dataclass(frozen=True)
class Share:
    """Hold how many of `total` episodes something appears in, and which ones."""

    count: int = field(init=False)
    total: int
    episode_ids: tuple[EpisodeId, ...]

    def __post_init__(self) -> None:
        count = len(self.episode_ids)
        if self.total < 1 or count > self.total:
            raise ValueError(SHARE_INVALID)
        object.__setattr__(self, "count", count)

    @cached_property
    def value(self) -> Fraction:
        """count / total. Made when first read: a page holds a few hundred shares and
        prints most as rounded percentages, worked out from the count and total."""
        return Fraction(self.count, self.total)


# Each phase's field, by member or by value: a page reads a few hundred shares by phase.
_PHASE_FIELDS = {key: phase.value for phase in Phase for key in (phase, phase.value)}


@dataclass(frozen=True)
class ByPhase(Generic[T]):
    initial: T
    middle: T
    ending: T

    def __getitem__(self, phase: Phase) -> T:
        try:
            return getattr(self, _PHASE_FIELDS[phase])
        except (KeyError, TypeError):
            return getattr(self, Phase(phase).value)

    def in_order(self) -> tuple[T, T, T]:
        """The phases' values, initial first."""
        return (self.initial, self.middle, self.ending)


@dataclass(frozen=True)
class CourseChange:
    """Hold later minus earlier pervasiveness; None where either phase has no episodes."""

    initial_to_middle: Fraction | None
    middle_to_ending: Fraction | None
    initial_to_ending: Fraction | None


@dataclass(frozen=True)
class PersonTally:
    person_key: Hashable
    person_label: str
    count: int = field(init=False)
    episode_ids: tuple[EpisodeId, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "count", len(self.episode_ids))


@dataclass(frozen=True)
class Tally(Generic[K]):
    key: K
    count: int = field(init=False)
    episode_ids: tuple[EpisodeId, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "count", len(self.episode_ids))


@dataclass(frozen=True)
class Recurrence:
    """Say whether a category appears both in earlier and in current or in-session episodes."""

    recurs: bool = field(init=False)
    earlier_episode_ids: tuple[EpisodeId, ...]
    later_episode_ids: tuple[EpisodeId, ...]

    def __post_init__(self) -> None:
        recurs = recurs_from(len(self.earlier_episode_ids), len(self.later_episode_ids))
        object.__setattr__(self, "recurs", recurs)

    @property
    def earlier_count(self) -> int:
        return len(self.earlier_episode_ids)

    @property
    def later_count(self) -> int:
        return len(self.later_episode_ids)


def recurs_from(earlier: int, later: int) -> bool:
    """Whether a category recurs: it appears in at least one earlier episode (childhood or
    past) and in at least one later one (current or in the session)."""
    return earlier > 0 and later > 0


@dataclass(frozen=True)
class CategoryProfile:
    """One category's pervasiveness, and who, when and from which era it appears with.

    The spread (people, eras, whens, recurrence) is counted from the category's episodes
    when first read: a page shows it for the few categories of the core theme, not for
    every category of every part.
    """

    part: Part
    category: str
    overall: Share
    by_phase: ByPhase[Share | None]
    change: CourseChange
    # The category's episodes, in the order given; what the spread is counted from.
    members: tuple[Episode, ...] = field(default=(), repr=False, compare=False)

    @cached_property
    def people(self) -> tuple[PersonTally, ...]:
        from patternwork.formulation.patterns import statistics

        return statistics.person_tallies(self.members)

    @cached_property
    def eras(self) -> tuple[Tally[Era | None], ...]:
        from patternwork.formulation.patterns import statistics

        return statistics.era_tallies(self.members)

    @cached_property
    def whens(self) -> tuple[Tally[When], ...]:
        from patternwork.formulation.patterns import statistics

        return statistics.when_tallies(self.members)

    @cached_property
    def recurrence(self) -> Recurrence:
        from patternwork.formulation.patterns import statistics

        return statistics.recurrence_of(self.members)


@dataclass(frozen=True)
class ValenceProfile:
    part: Part
    valence: Valence
    overall: Share | Counted
    by_phase: ByPhase[Share | Counted | None]
    change: CourseChange


@dataclass(frozen=True)
class Candidate:
    """Hold the most pervasive categories of one part; several when they tie."""

    part: Part
    categories: tuple[str, ...]
    count: int
    total: int
    value: Fraction
    episode_ids: tuple[EpisodeId, ...]

    @property
    def is_tie(self) -> bool:
        return len(self.categories) > 1

    @property
    def episode_count(self) -> int:
        """The episodes coded with any of the tied categories."""
        return len(self.episode_ids)


@dataclass(frozen=True)
class CoreTheme:
    """Hold the candidate wish, response of other and response of self: the most pervasive
    category of each part, as the CCRT is the most frequent component of each kind."""

    wish: Candidate | CandidateCount | None
    ro: Candidate | CandidateCount | None
    rs: Candidate | CandidateCount | None

    def __getitem__(self, part: Part) -> Candidate | CandidateCount | None:
        return getattr(self, Part(part).value)


@dataclass(frozen=True)
class Triple:
    """Hold one (wish, ro, rs) sequence; `rank` is shared by ties (1, 1, 3)."""

    rank: int
    wish: str
    ro: str
    rs: str
    share: Share | Counted


@dataclass(frozen=True)
class PatternReport:
    total: int
    episode_ids: tuple[EpisodeId, ...]
    phase_episode_ids: ByPhase[tuple[EpisodeId, ...]]
    min_episodes: int
    too_few_episodes: bool
    message: str | None
    categories: tuple[CategoryProfile, ...]
    valences: tuple[ValenceProfile, ...]
    core_theme: CoreTheme | None
    sequences: tuple[Triple, ...] | None

    @cached_property
    def phase_totals(self) -> ByPhase[int]:
        return ByPhase(*map(len, self.phase_episode_ids.in_order()))

    def profiles(self, part: Part) -> tuple[CategoryProfile, ...]:
        return tuple(profile for profile in self.categories if profile.part == part)

    def profile(self, part: Part, category: str) -> CategoryProfile | None:
        # A part's value finds its member's key (a StrEnum member is equal to its value,
        # and hashes as it); anything else finds nothing.
        try:
            return self._profiles.get((part, category))
        except TypeError:
            return None

    @cached_property
    def _profiles(self) -> dict[tuple[Part, str], CategoryProfile]:
        # The first profile of each part and category, as a search in order would find.
        found: dict[tuple[Part, str], CategoryProfile] = {}
        for profile in self.categories:
            found.setdefault((Part(profile.part), profile.category), profile)
        return found


# The figures counted without naming their episodes (`count_patterns`): what a page needs
# that links each figure by its key and lists no episode behind it. The same rules make
# them as make the report's (statistics.py); each type names no episode (`episode_ids`
# is empty), so the figures made from it read its counts.


class Counted(NamedTuple):
    """How many of `total` episodes something appears in (a Share without its ids). A
    named tuple: a page makes a few hundred."""

    count: int
    total: int

    # Class attributes, not fields: a count names no episode.
    episode_ids = ()

    @property
    def value(self) -> Fraction:
        return Fraction(self.count, self.total)


class PersonCount(NamedTuple):
    person_key: Hashable
    person_label: str
    count: int

    episode_ids = ()


class RecurrenceCount(NamedTuple):
    earlier_count: int
    later_count: int

    earlier_episode_ids = ()
    later_episode_ids = ()

    @property
    def recurs(self) -> bool:
        return recurs_from(self.earlier_count, self.later_count)


@dataclass(frozen=True, slots=True)
class CategoryCounts:
    """One category's pervasiveness, its people and its recurrence, as counts."""

    part: Part
    category: str
    overall: Counted
    by_phase: ByPhase[Counted | None]
    change: CourseChange
    people: tuple[PersonCount, ...]
    recurrence: RecurrenceCount


@dataclass(frozen=True, slots=True)
class CandidateCount:
    """A Candidate without its ids: `episode_count` episodes hold a tied category."""

    episode_ids: ClassVar[tuple[EpisodeId, ...]] = ()
    part: Part
    categories: tuple[str, ...]
    count: int
    total: int
    value: Fraction
    episode_count: int

    @property
    def is_tie(self) -> bool:
        return len(self.categories) > 1


@dataclass(frozen=True)
class PatternCounts:
    """The PatternReport's figures as counts: no figure names its episodes."""

    episode_ids: ClassVar[tuple[EpisodeId, ...]] = ()
    total: int
    phase_totals: ByPhase[int]
    min_episodes: int
    too_few_episodes: bool
    message: str | None
    categories: tuple[CategoryCounts, ...]
    valences: tuple[ValenceProfile, ...]
    core_theme: CoreTheme | None
    sequences: tuple[Triple, ...] | None

    def profiles(self, part: Part) -> tuple[CategoryCounts, ...]:
        return tuple(profile for profile in self.categories if profile.part == part)

    def profile(self, part: Part, category: str) -> CategoryCounts | None:
        # As PatternReport.profile: a part's value finds its member's key.
        try:
            return self._profiles.get((part, category))
        except TypeError:
            return None

    @cached_property
    def _profiles(self) -> dict[tuple[Part, str], CategoryCounts]:
        # A profile's part is a Part (count_patterns makes it so), its own key.
        return {(p.part, p.category): p for p in self.categories}
