"""Compute pervasiveness, the candidate core theme and sequences from relationship episodes.

Pure rules (no Django). Pervasiveness is the share of a client's episodes in which a
category appears, and the candidate core theme is the most pervasive wish, response of
other and response of self (Luborsky's CCRT method; docs/relationship-patterns.md says
how Patternwork applies it).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping
from fractions import Fraction
from operator import attrgetter
from typing import TypeVar

from patternwork.formulation.patterns.episodes import (
    EARLIER,
    LATER,
    Episode,
    EpisodeId,
    Era,
    Part,
    Phase,
    Valence,
    When,
)
from patternwork.formulation.patterns.results import (
    ByPhase,
    Candidate,
    CategoryProfile,
    CoreTheme,
    Counted,
    CourseChange,
    PatternReport,
    PersonCount,
    PersonTally,
    Recurrence,
    Share,
    Tally,
    Triple,
    ValenceProfile,
)

MIN_EPISODES_FOR_PATTERN = 5
DEFAULT_TOP_SEQUENCES = 5
TOO_FEW_EPISODES = "Too few relationship episodes have been logged to speak of a pattern yet."
DUPLICATE_EPISODE_ID = "Each relationship episode must have its own id."
MIN_EPISODES_INVALID = "The minimum number of episodes must be a whole number of at least 1."
TOP_K_INVALID = "The number of sequences to show must be a whole number of at least 1."

K = TypeVar("K")
S = TypeVar("S")
P = TypeVar("P", PersonTally, PersonCount)


def _is_whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _group(
    episodes: Iterable[Episode], keys: Callable[[Episode], Iterable[K]]
) -> dict[K, list[Episode]]:
    groups: dict[K, list[Episode]] = {}
    for episode in episodes:
        for key in keys(episode):
            groups.setdefault(key, []).append(episode)
    return groups


def _by_key(episodes: Iterable[Episode], key: Callable[[Episode], K]) -> dict[K, list[Episode]]:
    """`_group` for one key per episode: the spreads and phases group every category's
    episodes this way, a few thousand times a page."""
    groups: dict[K, list[Episode]] = {}
    for episode in episodes:
        found = key(episode)
        group = groups.get(found)
        if group is None:
            groups[found] = [episode]
        else:
            group.append(episode)
    return groups


def _ids(episodes: Iterable[Episode]) -> tuple[EpisodeId, ...]:
    return tuple([episode.id for episode in episodes])


_PHASE_OF = attrgetter("phase")
_PERSON_OF = attrgetter("person_key")
_ERA_OF = attrgetter("person_era")
_WHEN_OF = attrgetter("when")
_LABEL_OF = attrgetter("person_label")
_COUNT_OF = attrgetter("count")


# The phases in order, as a tuple: iterating the Enum itself runs a generator, and a page
# works out the phases of every category.
_PHASES = tuple(Phase)


def by_phase_of(phase_totals: ByPhase[int], share: Callable[[Phase, int], S]) -> ByPhase[S | None]:
    """Each phase's share, made by `share(phase, total)`; None for a phase with no
    episodes, where no share can be read."""
    return ByPhase(
        *[
            share(phase, total) if total else None
            for phase, total in zip(_PHASES, phase_totals.in_order(), strict=True)
        ]
    )


def _by_phase(members: list[Episode], phase_totals: ByPhase[int]) -> ByPhase[Share | None]:
    groups = _by_key(members, _PHASE_OF)
    return by_phase_of(
        phase_totals,
        lambda phase, total: Share(total=total, episode_ids=_ids(groups.get(phase, ()))),
    )


def _difference(earlier: Share | Counted | None, later: Share | Counted | None) -> Fraction | None:
    if earlier is None or later is None:
        return None
    # later.value - earlier.value, as one fraction: Fraction arithmetic is slow, and a
    # page works out three changes for every category.
    return Fraction(
        later.count * earlier.total - earlier.count * later.total, earlier.total * later.total
    )


def change_of(by_phase: ByPhase[Share | None] | ByPhase[Counted | None]) -> CourseChange:
    """Later minus earlier pervasiveness between the phases; None where either phase has
    no episodes."""
    return CourseChange(
        initial_to_middle=_difference(by_phase.initial, by_phase.middle),
        middle_to_ending=_difference(by_phase.middle, by_phase.ending),
        initial_to_ending=_difference(by_phase.initial, by_phase.ending),
    )


def rank_categories(counts: Mapping[str, int]) -> list[str]:
    """The categories most pervasive first (by the number of episodes coded with them),
    equal counts in the order of their ids, so the same episodes always rank the same."""
    return sorted(counts, key=lambda category: (-counts[category], category))


def top_tied(counts: Mapping[str, int]) -> list[str]:
    """The most pervasive categories, in rank order: several when they tie (a candidate
    of the core theme names them all rather than choosing one)."""
    ranked = rank_categories(counts)
    return [c for c in ranked if counts[c] == counts[ranked[0]]] if ranked else []


def rank_people(tallies: Iterable[P]) -> list[P]:
    """The people a category appears with, most episodes first, then by label; sorted()
    is stable (in reverse too), so people sharing a label keep the order they first
    appeared in. Two sorts by attribute, rather than one by a key made for each person."""
    return sorted(sorted(tallies, key=_LABEL_OF), key=_COUNT_OF, reverse=True)


# An episode's (wish, ro, rs) sequences, `sequence_combos(wish, ro, rs)`: every
# combination of its categories. An episode missing a part yields none: a sequence needs
# all three parts. (Their order is of no account: `rank_sequences` orders them.) The
# product itself rather than a function calling it: a page combines the categories of
# hundreds of episodes.
sequence_combos: Callable[
    [Iterable[str], Iterable[str], Iterable[str]], Iterable[tuple[str, str, str]]
] = itertools.product


def rank_sequences(
    counts: Mapping[tuple[str, str, str], int], top_k: int
) -> list[tuple[int, tuple[str, str, str]]]:
    """The `top_k` most frequent sequences with their ranks: most episodes first, equal
    counts by their categories' ids; a sequence tied with the one before shares its rank
    (1, 1, 3)."""
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    out: list[tuple[int, tuple[str, str, str]]] = []
    for position, (combo, count) in enumerate(ranked[:top_k], start=1):
        tied = bool(out) and counts[out[-1][1]] == count
        out.append((out[-1][0] if tied else position, combo))
    return out


def check_limits(min_episodes: int, top_k: int) -> None:
    if not _is_whole(min_episodes) or min_episodes < 1:
        raise ValueError(MIN_EPISODES_INVALID)
    if not _is_whole(top_k) or top_k < 1:
        raise ValueError(TOP_K_INVALID)


def person_tallies(members: list[Episode]) -> tuple[PersonTally, ...]:
    groups = _by_key(members, _PERSON_OF)
    tallies = [
        PersonTally(person_key=key, person_label=group[0].person_label, episode_ids=_ids(group))
        for key, group in groups.items()
    ]
    return tuple(rank_people(tallies))


def era_tallies(members: list[Episode]) -> tuple[Tally[Era | None], ...]:
    groups = _by_key(members, _ERA_OF)
    # The therapist has no era on the map, so None comes last, after the chronological eras.
    order: list[Era | None] = [*Era, None]
    return tuple(Tally(key=era, episode_ids=_ids(groups[era])) for era in order if era in groups)


def when_tallies(members: list[Episode]) -> tuple[Tally[When], ...]:
    groups = _by_key(members, _WHEN_OF)
    return tuple(Tally(key=when, episode_ids=_ids(groups[when])) for when in When if when in groups)


def recurrence_of(members: list[Episode]) -> Recurrence:
    return Recurrence(
        earlier_episode_ids=_ids(e for e in members if e.when in EARLIER),
        later_episode_ids=_ids(e for e in members if e.when in LATER),
    )


def _category_profiles(
    episodes: tuple[Episode, ...], part: Part, phase_totals: ByPhase[int]
) -> list[CategoryProfile]:
    # An episode's categories of the part are its field of the same name.
    groups = _group(episodes, attrgetter(Part(part).value))
    profiles = []
    for category in rank_categories({c: len(members) for c, members in groups.items()}):
        members = groups[category]
        by_phase = _by_phase(members, phase_totals)
        profiles.append(
            CategoryProfile(
                part=part,
                category=category,
                overall=Share(total=len(episodes), episode_ids=_ids(members)),
                by_phase=by_phase,
                change=change_of(by_phase),
                members=tuple(members),
            )
        )
    return profiles


def _valence_profiles(
    episodes: tuple[Episode, ...], part: Part, phase_totals: ByPhase[int]
) -> list[ValenceProfile]:
    # An episode's valence of the part is its field "<part>_valence"; None is no mark.
    groups = _by_key(episodes, attrgetter(f"{Part(part).value}_valence"))
    profiles = []
    for valence in Valence:
        if valence not in groups:
            continue
        by_phase = _by_phase(groups[valence], phase_totals)
        profiles.append(
            ValenceProfile(
                part=part,
                valence=valence,
                overall=Share(total=len(episodes), episode_ids=_ids(groups[valence])),
                by_phase=by_phase,
                change=change_of(by_phase),
            )
        )
    return profiles


def _candidate(
    part: Part, profiles: tuple[CategoryProfile, ...], episode_ids: tuple[EpisodeId, ...]
) -> Candidate | None:
    if not profiles:
        return None
    found = {p.category: p for p in profiles}
    tied = [found[c] for c in top_tied({c: p.overall.count for c, p in found.items()})]
    top = tied[0].overall
    behind = {i for p in tied for i in p.overall.episode_ids}
    return Candidate(
        part=part,
        categories=tuple(p.category for p in tied),
        count=top.count,
        total=top.total,
        value=top.value,
        episode_ids=tuple(i for i in episode_ids if i in behind),
    )


def _sequences(episodes: tuple[Episode, ...], top_k: int) -> tuple[Triple, ...]:
    groups: dict[tuple[str, str, str], list[EpisodeId]] = {}
    for episode in episodes:
        for combo in sequence_combos(episode.wish, episode.ro, episode.rs):
            groups.setdefault(combo, []).append(episode.id)
    ranked = rank_sequences({combo: len(ids) for combo, ids in groups.items()}, top_k)
    return tuple(
        Triple(rank, *combo, share=Share(total=len(episodes), episode_ids=tuple(groups[combo])))
        for rank, combo in ranked
    )


def compute_patterns(
    episodes: Iterable[Episode],
    *,
    min_episodes: int = MIN_EPISODES_FOR_PATTERN,
    top_k: int = DEFAULT_TOP_SEQUENCES,
) -> PatternReport:
    """Compute pervasiveness, the candidate core theme and sequences over the episodes.

    Pervasiveness is counted per part and category, with all of the client's episodes as
    the denominator (per phase: the episodes logged in that phase), so that categories can
    be compared with one another. Episode ids keep the order the episodes were given in.
    Below `min_episodes` episodes the report still holds the counts but offers no core
    theme and no sequences.
    """
    check_limits(min_episodes, top_k)
    episodes = tuple(episodes)
    episode_ids = _ids(episodes)
    if len(set(episode_ids)) != len(episode_ids):
        raise ValueError(DUPLICATE_EPISODE_ID)

    phase_ids = {p.value: _ids(e for e in episodes if e.phase is p) for p in Phase}
    phase_episode_ids: ByPhase[tuple[EpisodeId, ...]] = ByPhase(**phase_ids)
    phase_totals: ByPhase[int] = ByPhase(**{p: len(ids) for p, ids in phase_ids.items()})
    categories = tuple(
        profile for part in Part for profile in _category_profiles(episodes, part, phase_totals)
    )
    valences = tuple(
        profile for part in Part for profile in _valence_profiles(episodes, part, phase_totals)
    )

    too_few = len(episodes) < min_episodes
    core_theme = None
    sequences = None
    if not too_few:
        candidates = {
            part.value: _candidate(
                part, tuple(p for p in categories if p.part is part), episode_ids
            )
            for part in Part
        }
        core_theme = CoreTheme(**candidates)
        sequences = _sequences(episodes, top_k)
    return PatternReport(
        total=len(episodes),
        episode_ids=episode_ids,
        phase_episode_ids=phase_episode_ids,
        min_episodes=min_episodes,
        too_few_episodes=too_few,
        message=TOO_FEW_EPISODES if too_few else None,
        categories=categories,
        valences=valences,
        core_theme=core_theme,
        sequences=sequences,
    )


def core_theme_of_codes(
    total: int,
    codes: Iterable[tuple[EpisodeId, str, str]],
    *,
    min_episodes: int = MIN_EPISODES_FOR_PATTERN,
) -> CoreTheme | None:
    """The candidate core theme from the episodes' codes alone, as `compute_patterns` finds it.

    `codes` holds (episode id, part, category id) for every code, the episodes in the order
    they are listed; `total` counts every episode, coded or not. A page that shows only the
    theme (or what is suggested from it) thus needs no episode read one by one. None below
    `min_episodes` episodes, as in the report.
    """
    check_limits(min_episodes, DEFAULT_TOP_SEQUENCES)
    if total < min_episodes:
        return None
    order: dict[EpisodeId, None] = {}
    groups: dict[Part, dict[str, dict[EpisodeId, None]]] = {part: {} for part in Part}
    # Each part's group by its value as a code row holds it: a few hundred codes are not
    # each made a Part (an unknown value still fails as Part() fails). The loop calls
    # nothing per code; a key set again keeps its first place in a dict.
    by_value = {part.value: groups[part] for part in Part}
    for episode_id, part, category in codes:
        order[episode_id] = None
        try:
            group = by_value[part]
        except KeyError:
            group = groups[Part(part)]
        if category in group:
            group[category][episode_id] = None
        else:
            group[category] = {episode_id: None}
    candidates: dict[str, Candidate | None] = {}
    for part in Part:
        members_of = groups[part]
        tied = top_tied({category: len(members) for category, members in members_of.items()})
        if not tied:
            candidates[part.value] = None
            continue
        count = len(members_of[tied[0]])
        behind = {i for category in tied for i in members_of[category]}
        candidates[part.value] = Candidate(
            part=part,
            categories=tuple(tied),
            count=count,
            total=total,
            value=Fraction(count, total),
            # A list made first: a generator resumes once for each of hundreds of episodes.
            episode_ids=tuple([i for i in order if i in behind]),
        )
    return CoreTheme(**candidates)
