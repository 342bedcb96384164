"""Rank a practice's categories for one part of an episode (pure; no Django).

Three kinds of evidence, each kept visible in the result so a suggestion can say why:

1. meaning: how close the fragment is to each category's label and description in a
   sentence-embedding space (any `Embedder`; the product uses all-MiniLM-L6-v2, see
   `onnx_model`);
2. the practice's own confirmed codes: fragments its therapists coded earlier, as nearest
   neighbours of the new fragment, so suggestions learn the practice's wording;
3. the category's cue words, found in the text.

Without an embedder (the model could not load) the ranker falls back to (2) and (3) by
shared words. It never decides anything: it orders every category, best first, and the
therapist picks. Equal scores keep the order the categories were given in, so the same
input always gives the same ranking.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

import numpy as np

from patternwork.formulation.ranking import words

# Changes whenever the weights or the evidence change; stored with every code that was
# suggested, so the practice can compare how useful each version was.
RANKER_VERSION = "r2"

# Chosen on the tuning half of bench/ranker_fragments.tsv only (bench/ranker.py).
DESCRIPTION_WEIGHT = 1.0
# The practice's examples count half as much as the description: on the tuning half,
# equal weight let surface likeness between fragments ("I wanted...") outvote meaning.
EXAMPLE_WEIGHT = 0.5
# The k nearest confirmed fragments of a category are averaged (with few examples, all of
# them: close to a class centroid): one odd fragment should not pull a category to the
# top, nor hold it there. On the tuning half the average beat the single nearest.
NEIGHBOURS = 10
CUE_BONUS = 0.03
# The closest single cue word, by meaning, adds half its similarity: cue words name the
# category in everyday words ("ignored", "walked away") that a fragment paraphrases.
CUE_MEANING_WEIGHT = 0.5
# A category's label and description are embedded as a sentence about the part, so that
# "Strong" reads as a description of the other person, not of the weather. On the tuning
# half this and the cue words' meaning each lifted top-1 by several points.
FRAMES = {
    "wish": "The client wanted {}",
    "ro": "The other person was {}",
    "rs": "The client responded: {}",
}
LEXICAL_EXAMPLE_WEIGHT = 1.0
LEXICAL_DESCRIPTION_WEIGHT = 0.5
LEXICAL_CUE_WEIGHT = 0.5
# Scores are rounded before ordering so that the last bits of floating-point arithmetic
# (which may differ between CPUs) cannot reorder two categories.
SCORE_DECIMALS = 6

TEXT_TOO_LONG = "The text is longer than the ranker reads ({limit} characters)."
MAX_TEXT = 5000


class Embedder(Protocol):
    """Turn texts into vectors; `version` names the model, stored with each suggestion."""

    version: str

    def embed(self, texts: Sequence[str]) -> Sequence[Sequence[float]]: ...


class Evidence(StrEnum):
    EXAMPLES = "examples"
    DESCRIPTION = "description"
    CUES = "cues"
    NONE = "none"


class Mode(StrEnum):
    SEMANTIC = "semantic"
    FALLBACK = "fallback"


@dataclass(frozen=True)
class CategoryText:
    """What the ranker knows of a category: its id, label, description and cue words."""

    id: str
    label: str
    description: str = ""
    cues: tuple[str, ...] = ()

    @property
    def meaning(self) -> str:
        return f"{self.label}. {self.description}".strip() if self.description else self.label

    def framed(self, part: str | None) -> str:
        """The meaning as a sentence about the episode part, as it is embedded."""
        frame = FRAMES.get(part or "")
        if frame is None or not self.meaning:
            return self.meaning
        return frame.format(self.meaning[0].lower() + self.meaning[1:])


@dataclass(frozen=True)
class Example:
    """A fragment a therapist of the practice coded with `category_id` earlier.

    `shown` says whether the asking therapist may read the fragment itself: a fragment from
    a client they do not see still counts as evidence, but its words are never shown.
    """

    category_id: str
    text: str
    shown: bool = True
    key: str = ""


@dataclass(frozen=True)
class Why:
    """The evidence behind one category's place, for the therapist to judge."""

    leading: Evidence
    nearest_example: str = ""
    nearest_key: str = ""
    examples: int = 0
    description_words: tuple[str, ...] = ()
    cues: tuple[str, ...] = ()
    nearest_cue: str = ""

    @property
    def quote(self) -> str:
        """The confirmed fragment to show as the reason, when the examples led."""
        return self.nearest_example if self.leading == Evidence.EXAMPLES else ""


@dataclass(frozen=True)
class Ranked:
    rank: int
    category: CategoryText
    score: float
    why: Why

    @property
    def percent(self) -> int:
        """The score as a whole percentage for the similarity bar (0-100)."""
        return round(min(max(self.score, 0.0), 1.0) * 100)


@dataclass(frozen=True)
class Ranking:
    mode: Mode
    version: str
    items: tuple[Ranked, ...] = field(default_factory=tuple)

    def top(self, n: int = 3) -> tuple[Ranked, ...]:
        return self.items[:n]

    def rank_of(self, category_id: str) -> int | None:
        for item in self.items:
            if item.category.id == category_id:
                return item.rank
        return None


def _unit(vectors: Sequence[Sequence[float]]) -> np.ndarray:
    array = np.asarray(vectors, dtype=np.float64)
    if array.ndim != 2:
        array = array.reshape(len(vectors), -1)
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    return array / np.where(norms == 0, 1.0, norms)


def _neighbour_score(similarities: list[float]) -> float:
    best = sorted(similarities, reverse=True)[:NEIGHBOURS]
    return sum(best) / len(best)


def _nearest_shown(pairs: list[tuple[float, Example]]) -> Example | None:
    shown = [(s, i, e) for i, (s, e) in enumerate(pairs) if e.shown]
    if not shown:
        return None
    # Highest similarity first; among equals the earlier example, so the choice is stable.
    return min(shown, key=lambda t: (-round(t[0], SCORE_DECIMALS), t[1]))[2]


def rank(
    text: str,
    categories: Sequence[CategoryText],
    *,
    examples: Sequence[Example] = (),
    embedder: Embedder | None = None,
    part: str | None = None,
) -> Ranking:
    """Order every category for the fragment `text`, best first, with a score and a why.

    `examples` are the practice's confirmed codes for this part; an example whose category
    is not among `categories` (a retired one) is ignored. With no `embedder` the ranking
    uses shared words only (Mode.FALLBACK). Empty text ranks every category at 0 in the
    order given. `part` ("wish", "ro" or "rs") frames the categories as sentences about
    that part of the episode.
    """
    if len(text or "") > MAX_TEXT:
        raise ValueError(TEXT_TOO_LONG.format(limit=MAX_TEXT))
    ids = [c.id for c in categories]
    if len(set(ids)) != len(ids):
        raise ValueError("Category ids must be unique.")
    known = set(ids)
    by_category: dict[str, list[Example]] = defaultdict(list)
    for example in examples:
        if example.category_id in known and example.text.strip():
            by_category[example.category_id].append(example)

    mode = Mode.SEMANTIC if embedder is not None else Mode.FALLBACK
    version = f"{RANKER_VERSION}+{embedder.version if embedder is not None else 'words'}"
    cues = {c.id: words.cue_matches(text, c.cues) for c in categories}
    described = {
        c.id: words.shared_words(text, f"{c.meaning} {' '.join(c.cues)}") for c in categories
    }

    if not (text or "").strip():
        return Ranking(
            mode=mode,
            version=version,
            items=tuple(
                Ranked(i + 1, c, 0.0, Why(Evidence.NONE, examples=len(by_category[c.id])))
                for i, c in enumerate(categories)
            ),
        )

    if embedder is not None:
        scored = _semantic(text, categories, by_category, embedder, part)
    else:
        scored = _lexical(text, categories, by_category)

    results = []
    for index, category in enumerate(categories):
        description_score, example_pairs, example_score, nearest_cue = scored[category.id]
        score = description_score
        if example_pairs:
            weight = EXAMPLE_WEIGHT if embedder is not None else LEXICAL_EXAMPLE_WEIGHT
            score = (score + weight * example_score) / (1 + weight)
        if embedder is not None and cues[category.id]:
            score += CUE_BONUS
        elif embedder is None:
            score += LEXICAL_CUE_WEIGHT * min(len(cues[category.id]), 2) / 2
        score = round(score, SCORE_DECIMALS)
        if example_pairs and example_score >= description_score:
            leading = Evidence.EXAMPLES
        elif description_score > 0 or embedder is not None:
            leading = Evidence.DESCRIPTION
        elif cues[category.id]:
            leading = Evidence.CUES
        else:
            leading = Evidence.NONE
        nearest = _nearest_shown(example_pairs)
        why = Why(
            leading=leading,
            nearest_example=nearest.text if nearest else "",
            nearest_key=nearest.key if nearest else "",
            examples=len(example_pairs),
            description_words=described[category.id],
            cues=cues[category.id],
            nearest_cue=nearest_cue,
        )
        results.append((-score, index, category, score, why))
    results.sort(key=lambda r: (r[0], r[1]))
    return Ranking(
        mode=mode,
        version=version,
        items=tuple(
            Ranked(position + 1, category, score, why)
            for position, (_, _, category, score, why) in enumerate(results)
        ),
    )


# Per category: the description score, (similarity, example) pairs, the examples' score,
# and the cue word closest in meaning ("" without a model or cue words).
Scored = dict[str, tuple[float, list[tuple[float, Example]], float, str]]


def _semantic(
    text: str,
    categories: Sequence[CategoryText],
    by_category: dict[str, list[Example]],
    embedder: Embedder,
    part: str | None,
) -> Scored:
    cues = [cue for c in categories for cue in c.cues]
    flat = [e for c in categories for e in by_category[c.id]]
    texts = [text, *(c.framed(part) for c in categories), *cues, *(e.text for e in flat)]
    vectors = _unit(embedder.embed(texts))
    similarities = vectors[1:] @ vectors[0]
    scored: Scored = {}
    cue_at = len(categories)
    example_at = cue_at + len(cues)
    for index, category in enumerate(categories):
        cue_similarities = [float(s) for s in similarities[cue_at : cue_at + len(category.cues)]]
        cue_at += len(category.cues)
        description = DESCRIPTION_WEIGHT * float(similarities[index])
        nearest_cue = ""
        if cue_similarities:
            description += CUE_MEANING_WEIGHT * max(cue_similarities)
            # The first of equally close cue words, so the reason shown is stable.
            best = max(range(len(cue_similarities)), key=lambda i: (cue_similarities[i], -i))
            nearest_cue = category.cues[best]
        pairs = []
        for example in by_category[category.id]:
            pairs.append((float(similarities[example_at]), example))
            example_at += 1
        example_score = _neighbour_score([s for s, _ in pairs]) if pairs else 0.0
        scored[category.id] = (description, pairs, example_score, nearest_cue)
    return scored


def _lexical(
    text: str, categories: Sequence[CategoryText], by_category: dict[str, list[Example]]
) -> Scored:
    scored: Scored = {}
    for category in categories:
        pairs = [(words.overlap(text, e.text), e) for e in by_category[category.id]]
        example_score = _neighbour_score([s for s, _ in pairs]) if pairs else 0.0
        description = LEXICAL_DESCRIPTION_WEIGHT * words.overlap(text, category.meaning)
        scored[category.id] = (description, pairs, example_score, "")
    return scored


def chance(n_categories: int, k: int) -> float:
    """The probability that a random ordering puts the right category in the top k."""
    if n_categories <= 0:
        return math.nan
    return min(k, n_categories) / n_categories
