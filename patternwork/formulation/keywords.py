"""Keyword suggestions for episode categories (pure; no Django).

As the therapist types, categories whose keywords appear in the text are suggested
with the words that triggered them. A suggestion is never applied on its own.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class CategoryWords:
    id: str
    label: str
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class Suggestion:
    id: str
    label: str
    words: tuple[str, ...]


def parse_keywords(text: str) -> tuple[str, ...]:
    """Keywords from an admin's text: one per line or comma, trimmed, lower case."""
    parts = re.split(r"[\n,]+", text or "")
    return tuple(dict.fromkeys(p.strip().lower() for p in parts if p.strip()))


@functools.lru_cache(maxsize=4096)
def cue_pattern(keyword: str) -> re.Pattern[str]:
    """The pattern that finds one keyword in text."""
    # Whole words only ("left" must not fire on "leftover"); a trailing word may inflect.
    words = [re.escape(w) for w in keyword.split()]
    return re.compile(r"\b" + r"\s+".join(words) + r"\w{0,3}\b", re.IGNORECASE)


def suggest(text: str, categories: Iterable[CategoryWords]) -> list[Suggestion]:
    """Return the categories whose keywords occur in text, with the words found."""
    if not text or not text.strip():
        return []
    found = []
    for category in categories:
        words = tuple(
            match.group(0).lower()
            for keyword in category.keywords
            if (match := cue_pattern(keyword).search(text))
        )
        if words:
            found.append(Suggestion(category.id, category.label, words))
    return found
