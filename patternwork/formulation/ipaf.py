"""What changed between two versions of the IPAF: the text of each part and its evidence.

Pure rules (no Django). The comparison page and the audit of a new version both read the
change from here, so a version that drops supporting episodes says so in both places.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

IPAF_FIELDS = (
    "self_representation",
    "other_representation",
    "linking_affects",
    "defensive_function",
    "transference",
)
ADDED = "added"
REMOVED = "removed"


@dataclass(frozen=True)
class PartChange:
    name: str
    label: str
    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


@dataclass(frozen=True)
class EvidenceChange(Generic[T]):
    added: tuple[T, ...]
    removed: tuple[T, ...]
    kept: tuple[T, ...]

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)

    @property
    def rows(self) -> tuple[tuple[str, T], ...]:
        """Added evidence first, then removed, each marked with what happened to it."""
        return tuple((ADDED, item) for item in self.added) + tuple(
            (REMOVED, item) for item in self.removed
        )


def compare_parts(
    labels: Mapping[str, str], before: Mapping[str, str], after: Mapping[str, str]
) -> tuple[PartChange, ...]:
    """Pair each part's text in the earlier and the later version, in the order of labels.

    A part missing from a version counts as empty, as an optional part left blank does.
    """
    return tuple(
        PartChange(name, label, before.get(name) or "", after.get(name) or "")
        for name, label in labels.items()
    )


def compare_evidence(
    before: Iterable[T], after: Iterable[T], *, key: Callable[[T], Hashable]
) -> EvidenceChange[T]:
    """Split the supporting episodes of an earlier and a later version.

    Added keeps the later version's order; removed and kept keep the earlier one's. An
    episode listed twice counts once.
    """
    earlier = _unique(before, key)
    later = _unique(after, key)
    return EvidenceChange(
        added=tuple(item for k, item in later.items() if k not in earlier),
        removed=tuple(item for k, item in earlier.items() if k not in later),
        kept=tuple(item for k, item in earlier.items() if k in later),
    )


def _unique(items: Iterable[T], key: Callable[[T], Hashable]) -> dict[Hashable, T]:
    unique: dict[Hashable, T] = {}
    for item in items:
        unique.setdefault(key(item), item)
    return unique
