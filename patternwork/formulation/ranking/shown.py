"""What the therapist was shown, and what a saved code records of it (pure; no Django)."""

from __future__ import annotations

from dataclasses import dataclass

from patternwork.formulation.ranking.rank import Ranking

# The episode form shows this many suggestions per part.
SHOWN = 3


@dataclass(frozen=True)
class Shown:
    """One part's ranking as displayed: the ranker version, every category id in ranked
    order, and how many of them were on screen."""

    version: str
    ids: tuple[str, ...]
    count: int = SHOWN

    @classmethod
    def of(cls, ranking: Ranking, count: int = SHOWN) -> Shown:
        return cls(ranking.version, tuple(i.category.id for i in ranking.items), count)


def provenance(shown: Shown | None, category_id: object) -> tuple[bool, int | None, str]:
    """(suggested, rank, ranker version) for a code on `category_id`.

    Suggested means the category was on screen among the suggestions when the code was
    saved; the rank is its place in the whole ordering, so a category ticked by hand from
    further down still tells how far the ranker was off.
    """
    if shown is None:
        return False, None, ""
    key = str(category_id)
    if key not in shown.ids:
        return False, None, shown.version
    rank = shown.ids.index(key) + 1
    return rank <= shown.count, rank, shown.version
