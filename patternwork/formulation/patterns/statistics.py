"""Compute pervasiveness, the candidate core theme and sequences from relationship episodes.

Pure rules (no Django). Pervasiveness is the share of a client's episodes in which a
category appears, and the candidate core theme is the most pervasive wish, response of
other and response of self (Luborsky's CCRT method; docs/relationship-patterns.md says
how Patternwork applies it).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
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
    CourseChange,
    PatternReport,
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


def _by_phase(members: list[Episode], phase_totals: ByPhase[int]) -> ByPhase[Share | None]:
    shares: dict[str, Share | None] = {}
    groups = _by_key(members, _PHASE_OF)
    for phase in Phase:
        total = phase_totals[phase]
        in_phase = _ids(groups.get(phase, ()))
        shares[phase.value] = Share(total=total, episode_ids=in_phase) if total else None
    return ByPhase(**shares)


def _difference(earlier: Share | None, later: Share | None) -> Fraction | None:
    if earlier is None or later is None:
        return None
    # later.value - earlier.value, as one fraction: Fraction arithmetic is slow, and a
    # page works out three changes for every category.
    return Fraction(
        later.count * earlier.total - earlier.count * later.total, earlier.total * later.total
    )


def _change(by_phase: ByPhase[Share | None]) -> CourseChange:
    return CourseChange(
        initial_to_middle=_difference(by_phase.initial, by_phase.middle),
        middle_to_ending=_difference(by_phase.middle, by_phase.ending),
        initial_to_ending=_difference(by_phase.initial, by_phase.ending),
    )


def person_tallies(members: list[Episode]) -> tuple[PersonTally, ...]:
    groups = _by_key(members, _PERSON_OF)
    tallies = [
        PersonTally(person_key=key, person_label=group[0].person_label, episode_ids=_ids(group))
        for key, group in groups.items()
    ]
    # sorted() is stable, so people sharing a label keep the order they first appeared in.
    return tuple(sorted(tallies, key=lambda t: (-t.count, t.person_label)))


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
    profiles = []
    # An episode's categories of the part are its field of the same name.
    for category, members in _group(episodes, attrgetter(Part(part).value)).items():
        by_phase = _by_phase(members, phase_totals)
        profiles.append(
            CategoryProfile(
                part=part,
                category=category,
                overall=Share(total=len(episodes), episode_ids=_ids(members)),
                by_phase=by_phase,
                change=_change(by_phase),
                members=tuple(members),
            )
        )
    return sorted(profiles, key=lambda p: (-p.overall.count, p.category))


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
                change=_change(by_phase),
            )
        )
    return profiles


def _candidate(
    part: Part, profiles: tuple[CategoryProfile, ...], episode_ids: tuple[EpisodeId, ...]
) -> Candidate | None:
    if not profiles:
        return None
    top = profiles[0].overall
    tied = [p for p in profiles if p.overall.count == top.count]
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
        # An episode missing a part yields no triple: a sequence needs all three parts.
        combos = itertools.product(sorted(episode.wish), sorted(episode.ro), sorted(episode.rs))
        for combo in combos:
            groups.setdefault(combo, []).append(episode.id)
    ranked = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))
    triples: list[Triple] = []
    for position, (combo, ids) in enumerate(ranked[:top_k], start=1):
        tied_with_previous = bool(triples) and triples[-1].share.count == len(ids)
        rank = triples[-1].rank if tied_with_previous else position
        share = Share(total=len(episodes), episode_ids=tuple(ids))
        triples.append(Triple(rank, *combo, share=share))
    return tuple(triples)


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
    if not _is_whole(min_episodes) or min_episodes < 1:
        raise ValueError(MIN_EPISODES_INVALID)
    if not _is_whole(top_k) or top_k < 1:
        raise ValueError(TOP_K_INVALID)
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
    if not _is_whole(min_episodes) or min_episodes < 1:
        raise ValueError(MIN_EPISODES_INVALID)
    if total < min_episodes:
        return None
    order: dict[EpisodeId, None] = {}
    groups: dict[Part, dict[str, dict[EpisodeId, None]]] = {part: {} for part in Part}
    # Each part's group by its value as a code row holds it: a few hundred codes are not
    # each made a Part (an unknown value still fails as Part() fails).
    by_value = {part.value: groups[part] for part in Part}
    for episode_id, part, category in codes:
        order.setdefault(episode_id, None)
        group = by_value.get(part)
        if group is None:
            group = groups[Part(part)]
        group.setdefault(category, {})[episode_id] = None
    candidates: dict[str, Candidate | None] = {}
    for part in Part:
        # As the profiles are ranked: most episodes first, equal counts by category id.
        ranked = sorted(groups[part].items(), key=lambda item: (-len(item[1]), item[0]))
        if not ranked:
            candidates[part.value] = None
            continue
        count = len(ranked[0][1])
        tied = [(category, members) for category, members in ranked if len(members) == count]
        behind = {i for _category, members in tied for i in members}
        candidates[part.value] = Candidate(
            part=part,
            categories=tuple(category for category, _members in tied),
            count=count,
            total=total,
            value=Fraction(count, total),
            episode_ids=tuple(i for i in order if i in behind),
        )
    return CoreTheme(**candidates)
