"""Turn the candidate core theme into suggestions for the IPAF.

Pure rules (no Django). Suggestions are plain data; applying them is the therapist's choice
in the UI, never automatic.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from patternwork.formulation.patterns.episodes import EpisodeId, Part
from patternwork.formulation.patterns.results import Candidate, CoreTheme

TIE_SEPARATOR = " / "
AFFECT_SEPARATOR = ", "


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
    self_representation: Fragment | None
    linking_affects: Fragment | None
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


def _affect(candidate: Candidate | None, affects: Mapping[str, Sequence[str]]) -> Fragment | None:
    """The feelings named by the response-of-self categories' affect words, in order, once."""
    if candidate is None:
        return None
    words: list[str] = []
    for category in candidate.categories:
        for word in affects.get(category, ()):
            if word not in words:
                words.append(word)
    if not words:
        return None
    return Fragment(
        part=candidate.part,
        text=AFFECT_SEPARATOR.join(words),
        category_ids=candidate.categories,
        episode_ids=candidate.episode_ids,
    )


def suggest_ipaf(
    theme: CoreTheme | None,
    labels: Mapping[str, str],
    affects: Mapping[str, Sequence[str]] | None = None,
) -> IpafSuggestions:
    """Turn the candidate core theme into IPAF text fragments for the therapist to consider.

    The self part comes from the response of self, the other part from the response of
    other, and the linking feeling from the affect words of the response-of-self
    categories (`affects`, by category id). A category without affect words suggests no
    feeling rather than repeating its label, and no text is offered for two fields: a
    field that would repeat an earlier one is left empty. The mapping is Patternwork's
    own analysis, not a published rule (docs/relationship-patterns.md gives its reasons).
    """
    if theme is None:
        return IpafSuggestions(None, None, None, None)
    fields = [
        _fragment(theme.rs, labels),
        _fragment(theme.ro, labels),
        _affect(theme.rs, affects or {}),
        _fragment(theme.wish, labels),
    ]
    seen: set[str] = set()
    for index, fragment in enumerate(fields):
        if fragment is None:
            continue
        key = fragment.text.casefold().strip()
        if key in seen:
            fields[index] = None
        seen.add(key)
    own, other, feeling, wish = fields
    return IpafSuggestions(
        other_representation=other,
        self_representation=own,
        linking_affects=feeling,
        wish=wish,
    )
