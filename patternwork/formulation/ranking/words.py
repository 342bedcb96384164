"""Words in a fragment: cue-word matches and shared content words (pure; no Django).

The lexical side of the ranker. It explains a suggestion in words the therapist can see
("because of 'ignored'"), and it is the whole of the ranker when the embedding model
cannot load.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from patternwork.formulation.keywords import cue_pattern

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")

# Function words and the words every episode part shares ("I", "he", "felt", "wanted"):
# matching on them would tie every category to every fragment.
STOP_WORDS = frozenset(
    [
        "a",
        "about",
        "after",
        "again",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "don't",
        "down",
        "during",
        "each",
        "even",
        "ever",
        "every",
        "for",
        "from",
        "get",
        "got",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "i'd",
        "i'm",
        "if",
        "in",
        "into",
        "is",
        "it",
        "it's",
        "its",
        "itself",
        "just",
        "let",
        "like",
        "made",
        "make",
        "me",
        "more",
        "most",
        "much",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "one",
        "only",
        "or",
        "other",
        "our",
        "out",
        "over",
        "own",
        "really",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "us",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "felt",
        "feel",
        "feeling",
        "feels",
        "wanted",
        "want",
        "wants",
        "wish",
        "wished",
        "hoped",
        "hope",
        "said",
        "told",
        "tell",
        "went",
        "go",
        "going",
        "way",
        "things",
        "thing",
        "someone",
        "something",
        "anyone",
        "everyone",
        "nothing",
        "time",
        "times",
        "again",
        "still",
    ]
)


def stem(word: str) -> str:
    """Strip a few English endings so "ignored", "ignores" and "ignoring" meet."""
    word = word.removesuffix("'s")
    for suffix in ("ingly", "edly", "ness", "ment", "ing", "ied", "ies", "ed", "ly", "es", "s"):
        if len(word) - len(suffix) >= 3 and word.endswith(suffix):
            return word[: -len(suffix)] + ("y" if suffix in ("ied", "ies") else "")
    return word


def content_words(text: str) -> dict[str, str]:
    """Map each content word's stem to its first spelling in text (lower case)."""
    found: dict[str, str] = {}
    for word in _WORD.findall((text or "").lower()):
        if word in STOP_WORDS or len(word) < 3:
            continue
        found.setdefault(stem(word), word)
    return found


def shared_words(text: str, other: str) -> tuple[str, ...]:
    """Content words of `text` whose stem also occurs in `other`, in text order."""
    theirs = content_words(other)
    return tuple(word for key, word in content_words(text).items() if key in theirs)


def overlap(text: str, other: str) -> float:
    """Share of the content words of `text` found in `other` (0 when text has none)."""
    mine = content_words(text)
    if not mine:
        return 0.0
    theirs = content_words(other)
    return sum(1 for key in mine if key in theirs) / len(mine)


def cue_matches(text: str, cues: Iterable[str]) -> tuple[str, ...]:
    """The cue words (as written in text) that occur in text, in the order of `cues`."""
    found = []
    for cue in cues:
        match = cue_pattern(cue).search(text or "")
        if match:
            found.append(match.group(0).lower())
    return tuple(dict.fromkeys(found))
