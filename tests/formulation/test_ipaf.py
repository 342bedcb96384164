import pytest
from hypothesis import given
from hypothesis import strategies as st

from patternwork.formulation.ipaf import (
    ADDED,
    REMOVED,
    EvidenceChange,
    PartChange,
    compare_evidence,
    compare_parts,
)


def same(item):
    return item


@pytest.mark.parametrize(
    ("before", "after", "added", "removed", "kept"),
    [
        # The reported case: version 2 saved without three of version 1's episodes.
        ("abc", "", "", "abc", ""),
        ("", "abc", "abc", "", ""),
        ("abc", "abc", "", "", "abc"),
        ("abc", "bcd", "d", "a", "bc"),
        # Added in the later version's order, removed and kept in the earlier one's.
        ("cab", "edbc", "ed", "a", "cb"),
        ("aab", "bbc", "c", "a", "b"),
        ("", "", "", "", ""),
    ],
)
def test_compare_evidence_splits_added_removed_and_kept(before, after, added, removed, kept):
    change = compare_evidence(list(before), list(after), key=same)

    assert change == EvidenceChange(tuple(added), tuple(removed), tuple(kept))
    assert change.changed is bool(added or removed)


def test_compare_evidence_matches_by_key_and_returns_each_versions_own_item():
    before = [("e1", "version 1's copy"), ("e2", "version 1's copy")]
    after = [("e2", "version 2's copy"), ("e3", "version 2's copy")]

    change = compare_evidence(before, after, key=lambda item: item[0])

    assert change.added == (("e3", "version 2's copy"),)
    assert change.removed == (("e1", "version 1's copy"),)
    assert change.kept == (("e2", "version 1's copy"),)


def test_evidence_rows_list_added_then_removed():
    change = compare_evidence(["a", "b"], ["b", "c", "d"], key=same)

    assert change.rows == ((ADDED, "c"), (ADDED, "d"), (REMOVED, "a"))


@given(st.lists(st.integers(0, 9)), st.lists(st.integers(0, 9)))
def test_compare_evidence_accounts_for_every_episode_once(before, after):
    change = compare_evidence(before, after, key=same)

    assert set(change.kept) | set(change.removed) == set(before)
    assert set(change.kept) | set(change.added) == set(after)
    assert len(change.added + change.removed + change.kept) == len(set(before) | set(after))


def test_compare_parts_pairs_each_part_in_the_order_given():
    labels = {"self_representation": "Self", "transference": "Therapist", "other": "Other"}
    before = {"self_representation": "Unwanted", "transference": "", "other": "Cold"}
    after = {"self_representation": "Unwanted", "transference": "Will tire", "other": "Busy"}

    parts = compare_parts(labels, before, after)

    assert parts == (
        PartChange("self_representation", "Self", "Unwanted", "Unwanted"),
        PartChange("transference", "Therapist", "", "Will tire"),
        PartChange("other", "Other", "Cold", "Busy"),
    )
    assert [part.changed for part in parts] == [False, True, True]


def test_compare_parts_counts_a_missing_part_as_empty():
    parts = compare_parts({"transference": "Therapist"}, {}, {"transference": None})

    assert parts == (PartChange("transference", "Therapist", "", ""),)
    assert not parts[0].changed
