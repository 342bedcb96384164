"""The default category set: eight clusters for each part of an episode, as versioned data.

Pure data (no Django). Each version of the set is one JSON file in ``category_sets/``
(``default-v2.json``). The set is modelled on the eight clusters per component of the
CCRT's third edition of standard categories (Barber, Crits-Christoph & Luborsky), in
Patternwork's own wording: the published category definitions are under copyright and are
not reproduced. docs/relationship-patterns.md has the cluster-by-cluster check.

A later version says how it changes the one before (``changes_from``): codes that move to
another category because their meaning belongs there, categories whose codes a clinician
must review because the old wording spanned two clusters, and categories whose wording
widened. The data migration that upgrades a practice reads exactly that, so no coded
episode changes meaning without it being recorded.

Keywords drive the optional suggestions; a suggestion is never applied without the
therapist's click. Response-of-self categories carry affect words: the feelings the
IPAF suggestion offers as the linking feeling.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path

SETS_DIR = Path(__file__).resolve().parent / "category_sets"
CURRENT_VERSION = 2
PARTS = ("wish", "ro", "rs")
CLUSTERS = "ABCDEFGH"

NOT_EIGHT = "Default set v{version}: {part} has {count} categories, not one per cluster A-H."
UNKNOWN_KEY = "Default set v{version}: {what} names {key!r}, which is not in v{other}."


@dataclass(frozen=True)
class DefaultCategory:
    key: str
    part: str
    label: str
    keywords: tuple[str, ...]
    cluster: str = ""
    description: str = ""
    affect: tuple[str, ...] = ()


@dataclass(frozen=True)
class Move:
    """Codes on `source` move to `target`: the old wording's meaning belongs there."""

    source: str
    target: str
    reason: str


@dataclass(frozen=True)
class Review:
    """Codes on `source` stay where they are until a clinician picks one of `candidates`."""

    source: str
    candidates: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class Changes:
    from_version: int
    moves: tuple[Move, ...] = ()
    reviews: tuple[Review, ...] = ()
    relabels: tuple[str, ...] = ()


@dataclass(frozen=True)
class DefaultSet:
    version: int
    categories: tuple[DefaultCategory, ...]
    changes: Changes | None = field(default=None)

    def by_key(self) -> dict[str, DefaultCategory]:
        return {category.key: category for category in self.categories}


def _category(raw: dict) -> DefaultCategory:
    return DefaultCategory(
        key=raw["key"],
        part=raw["part"],
        label=raw["label"],
        keywords=tuple(raw["keywords"]),
        cluster=raw["cluster"],
        description=raw.get("description", ""),
        affect=tuple(raw.get("affect", ())),
    )


def _changes(raw: dict | None) -> Changes | None:
    if raw is None:
        return None
    return Changes(
        from_version=raw["version"],
        moves=tuple(Move(m["from"], m["to"], m["reason"]) for m in raw.get("moves", ())),
        reviews=tuple(
            Review(r["from"], tuple(r["candidates"]), r["reason"]) for r in raw.get("reviews", ())
        ),
        relabels=tuple(raw.get("relabels", ())),
    )


@functools.cache
def default_set(version: int = CURRENT_VERSION) -> DefaultSet:
    """Load one version of the default set, checking it has one category per cluster."""
    raw = json.loads((SETS_DIR / f"default-v{version}.json").read_text(encoding="utf-8"))
    loaded = DefaultSet(
        version=raw["version"],
        categories=tuple(_category(c) for c in raw["categories"]),
        changes=_changes(raw.get("changes_from")),
    )
    for part in PARTS:
        clusters = sorted(c.cluster for c in loaded.categories if c.part == part)
        if clusters != list(CLUSTERS):
            raise ValueError(NOT_EIGHT.format(version=version, part=part, count=len(clusters)))
    if loaded.changes is not None:
        _check_changes(loaded)
    return loaded


def _check_changes(new: DefaultSet) -> None:
    old = default_set(new.changes.from_version).by_key()
    current = new.by_key()
    names = [("a move from", m.source, old) for m in new.changes.moves]
    names += [("a move to", m.target, current) for m in new.changes.moves]
    names += [("a review of", r.source, old) for r in new.changes.reviews]
    names += [("a review candidate", c, current) for r in new.changes.reviews for c in r.candidates]
    names += [("a relabel of", key, current) for key in new.changes.relabels]
    for what, key, keys in names:
        if key not in keys:
            other = new.changes.from_version if keys is old else new.version
            raise ValueError(
                UNKNOWN_KEY.format(version=new.version, what=what, key=key, other=other)
            )


DEFAULT_CATEGORIES = default_set().categories
