"""Ranked category suggestions for one part of an episode (pure; no Django).

`rank` orders a practice's categories for a fragment; `onnx_model.load` gives the
embedding model it uses by default. See `rank` for the evidence and the fallback.
"""

from patternwork.formulation.ranking.rank import (
    MAX_TEXT,
    RANKER_VERSION,
    CategoryText,
    Embedder,
    Evidence,
    Example,
    Mode,
    Ranked,
    Ranking,
    Why,
    chance,
    rank,
)

__all__ = [
    "MAX_TEXT",
    "RANKER_VERSION",
    "CategoryText",
    "Embedder",
    "Evidence",
    "Example",
    "Mode",
    "Ranked",
    "Ranking",
    "Why",
    "chance",
    "rank",
]
