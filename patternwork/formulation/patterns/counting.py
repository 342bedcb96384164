"""The pattern's figures counted straight from the episodes' rows and codes.

Pure rules (no Django). `compute_patterns` keeps the episodes behind every figure, for a
view that lists them; a page that links each figure by its key and lists no episode needs
only the counts. `count_patterns` counts them in one pass over the episodes and one over
their codes, without making an Episode each, and ranks and ties them with the same rules
as `compute_patterns` (statistics.py: `rank_categories`, `top_tied`, `change_of`,
`by_phase_of`, `rank_people`, `sequence_combos`, `rank_sequences`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from fractions import Fraction
from itertools import chain
from typing import NamedTuple

from patternwork.formulation.patterns.episodes import (
    EARLIER,
    LATER,
    Part,
    Phase,
    Valence,
    When,
    _coerce,
    _optional,
)
from patternwork.formulation.patterns.results import (
    ByPhase,
    CandidateCount,
    CategoryCounts,
    CoreTheme,
    Counted,
    PatternCounts,
    PersonCount,
    RecurrenceCount,
    Triple,
    ValenceProfile,
)
from patternwork.formulation.patterns.statistics import (
    DEFAULT_TOP_SEQUENCES,
    DUPLICATE_EPISODE_ID,
    MIN_EPISODES_FOR_PATTERN,
    TOO_FEW_EPISODES,
    by_phase_of,
    change_of,
    check_limits,
    rank_categories,
    rank_people,
    rank_sequences,
    sequence_combos,
    top_tied,
)

# (episode key, person key, person label, when, phase, wish, ro and rs valence)
EpisodeRow = tuple[Hashable, Hashable, str, str, str | None, str | None, str | None, str | None]
_PARTS = tuple(Part)
# The enums' members as tuples: iterating an Enum runs a generator.
_PHASES = tuple(Phase)
_VALENCES = tuple(Valence)
_PART_INDEX = {key: index for index, part in enumerate(Part) for key in (part, part.value)}
# A when's side of the recurrence question: earlier (1), later (2), neither (0).
_SIDE = {when: 1 if when in EARLIER else 2 if when in LATER else 0 for when in When}
_PHASE = {None: None, **{key: phase for phase in Phase for key in (phase, phase.value)}}
_VALENCE = {None: None, **{key: valence for valence in Valence for key in (valence, valence.value)}}
_WHEN = {key: when for when in When for key in (when, when.value)}


def _members(known: Mapping, values: Sequence, coerce: Callable) -> list:
    """The values as their enum's members (None where `known` holds it so); an unknown
    value fails in `coerce`, as an Episode's would."""
    try:
        return list(map(known.__getitem__, values))
    except (KeyError, TypeError):
        return [coerce(value) for value in values]


def _counted(phase_totals: ByPhase[int], counts: Mapping) -> ByPhase[Counted | None]:
    return by_phase_of(phase_totals, lambda phase, total: Counted(counts.get(phase, 0), total))


def count_patterns(
    episodes: Iterable[EpisodeRow],
    codes: Iterable[tuple[Hashable, str, str]],
    *,
    min_episodes: int = MIN_EPISODES_FOR_PATTERN,
    top_k: int = DEFAULT_TOP_SEQUENCES,
) -> PatternCounts:
    """Count the figures `compute_patterns` reports, without the episodes behind them.

    `episodes` holds one row per episode, in the order listed: (key, person key, person
    label, when, phase, wish valence, ro valence, rs valence); `codes` holds (episode key,
    part, category id) for every code, in any order. The counts, ranks and ties are those
    of `compute_patterns` over the same episodes.
    """
    check_limits(min_episodes, top_k)
    rows = list(episodes)
    total = len(rows)
    # The rows' columns, each counted by C loops (zip, map, Counter) rather than a Python
    # loop per episode: a grown client has hundreds.
    keys, person_of, label_of, whens, phases, *valences = (
        zip(*rows, strict=True) if rows else ((),) * 8
    )
    position_of = dict(zip(keys, range(total), strict=True))
    if len(position_of) != total:
        raise ValueError(DUPLICATE_EPISODE_ID)
    phase_of = _members(_PHASE, phases, lambda value: _optional(Phase, value))
    side_of = list(map(_SIDE.__getitem__, _members(_WHEN, whens, lambda w: _coerce(When, w))))
    # Each part's valences counted by valence and phase (None: no mark).
    marks = [
        Counter(
            zip(
                _members(_VALENCE, found, lambda value: _optional(Valence, value)),
                phase_of,
                strict=True,
            )
        )
        for found in valences
    ]
    phase_totals = ByPhase(*map(phase_of.count, _PHASES))

    # Each part's categories with their episodes' positions, and each episode's categories
    # by part, for its sequences, gathered by a loop of no calls: a list grows by `+=`,
    # not by a call to append, and a grown client has hundreds of codes. A repeated code
    # counts once, as in an Episode.
    members: tuple[dict[str, list[int]], ...] = ({}, {}, {})
    coded: tuple[dict[int, list[str]], ...] = ({}, {}, {})
    for key, part, category in codes:
        position = position_of[key]
        try:
            index = _PART_INDEX[part]
        except KeyError:
            index = _PART_INDEX[Part(part)]
        by_position = coded[index]
        if position in by_position:
            named = by_position[position]
            if category in named:
                continue
            named += (category,)
        else:
            by_position[position] = [category]
        group = members[index]
        if category in group:
            group[category] += (position,)
        else:
            group[category] = [position]
    wish, ro, rs = coded
    every = wish.keys() & ro.keys() & rs.keys()
    sequences = Counter(
        chain.from_iterable(
            map(
                sequence_combos,
                map(wish.__getitem__, every),
                map(ro.__getitem__, every),
                map(rs.__getitem__, every),
            )
        )
    )

    lists = _Lists(phase_of, side_of, person_of, label_of)
    categories: list[CategoryCounts] = []
    candidates: dict[str, CandidateCount | None] = {}
    for index, part in enumerate(_PARTS):
        group = members[index]
        counts = {category: len(positions) for category, positions in group.items()}
        categories += [
            _category(part, category, group[category], total, phase_totals, lists)
            for category in rank_categories(counts)
        ]
        tied = top_tied(counts)
        if not tied:
            candidates[part.value] = None
            continue
        count = counts[tied[0]]
        candidates[part.value] = CandidateCount(
            part=part,
            categories=tuple(tied),
            count=count,
            total=total,
            value=Fraction(count, total),
            episode_count=len(set().union(*[group[c] for c in tied])),
        )
    marked = []
    for index, part in enumerate(_PARTS):
        found = marks[index]
        for valence in _VALENCES:
            by_phase = {phase: n for (marked_as, phase), n in found.items() if marked_as is valence}
            if not by_phase:
                continue
            phases = _counted(phase_totals, by_phase)
            marked.append(
                ValenceProfile(
                    part=part,
                    valence=valence,
                    overall=Counted(sum(by_phase.values()), total),
                    by_phase=phases,
                    change=change_of(phases),
                )
            )

    too_few = total < min_episodes
    return PatternCounts(
        total=total,
        phase_totals=phase_totals,
        min_episodes=min_episodes,
        too_few_episodes=too_few,
        message=TOO_FEW_EPISODES if too_few else None,
        categories=tuple(categories),
        valences=tuple(marked),
        core_theme=None if too_few else CoreTheme(**candidates),
        sequences=None
        if too_few
        else tuple(
            Triple(rank, *combo, share=Counted(sequences[combo], total))
            for rank, combo in rank_sequences(sequences, top_k)
        ),
    )


class _Lists(NamedTuple):
    """Each episode's phase, recurrence side, person and person's label, by position."""

    phase_of: list[Phase | None]
    side_of: list[int]
    person_of: list[Hashable]
    label_of: list[str]


def _category(
    part: Part,
    category: str,
    members: list[int],
    total: int,
    phase_totals: ByPhase[int],
    lists: _Lists,
) -> CategoryCounts:
    # Counted by C loops (map, list.count), not a Python loop per episode.
    positions = sorted(members)
    phases = list(map(lists.phase_of.__getitem__, positions))
    by_phase = by_phase_of(phase_totals, lambda phase, total: Counted(phases.count(phase), total))
    sides = list(map(lists.side_of.__getitem__, positions))
    persons = list(map(lists.person_of.__getitem__, positions))
    # People in the order they first appear, each named by the label of their first
    # episode of the category, as a tally names them.
    first = dict(zip(reversed(persons), reversed(positions), strict=True))
    return CategoryCounts(
        part=part,
        category=category,
        overall=Counted(len(positions), total),
        by_phase=by_phase,
        change=change_of(by_phase),
        people=tuple(
            rank_people(
                [
                    PersonCount(person, lists.label_of[first[person]], persons.count(person))
                    for person in dict.fromkeys(persons)
                ]
            )
        ),
        recurrence=RecurrenceCount(sides.count(1), sides.count(2)),
    )
