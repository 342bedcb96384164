"""Turn the candidate core theme into suggestions for the IPAF.

Pure rules (no Django). Suggestions are plain data; applying them is the therapist's choice
in the UI, never automatic.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from patternwork.formulation.patterns.episodes import EpisodeId, Part
from patternwork.formulation.patterns.results import Candidate, CoreTheme

TIE_SEPARATOR = " / "


@dataclass(frozen=True)
class Fragment:
    part: Part
    text: str
    category_ids: tuple[str, ...]
    episode_ids: tuple[EpisodeId, ...]


@dataclass(frozen=True)
class IpafSuggestions:
    """Hold text the therapist may copy into the IPAF; nothing here is ever applied."""

    other_representation: Fragment | None
    self_and_affect: Fragment | None
    wish: Fragment | None


def _fragment(candidate: Candidate | None, labels: Mapping[str, str]) -> Fragment | None:
    if candidate is None:
        return None
    # An archived or renamed category must not break the page; its id is still meaningful.
    texts = [labels.get(category, category) for category in candidate.categories]
    return Fragment(
        part=candidate.part,
        text=TIE_SEPARATOR.join(texts),
        category_ids=candidate.categories,
        episode_ids=candidate.episode_ids,
    )


def suggest_ipaf(theme: CoreTheme | None, labels: Mapping[str, str]) -> IpafSuggestions:
    """Turn the candidate core theme into IPAF text fragments for the therapist to consider.

    Response of other maps to the other representation, and response of self to the self
    representation and linking affect. The mapping is Patternwork's own analysis, not a
    published rule (docs/relationship-patterns.md gives its reasons).
    """
    if theme is None:
        return IpafSuggestions(other_representation=None, self_and_affect=None, wish=None)
    return IpafSuggestions(
        other_representation=_fragment(theme.ro, labels),
        self_and_affect=_fragment(theme.rs, labels),
        wish=_fragment(theme.wish, labels),
    )
