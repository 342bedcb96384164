from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from patternwork.treatment.plan import (
    SLOT_NOT_POSITIVE,
    PlanSettings,
    Slot,
    appointment_slot,
    find_clashes,
)


def _at(hour, minute=0, day=10):
    return datetime(2025, 2, day, hour, minute)


def test_appointment_slot_uses_plan_time_and_length():
    settings = PlanSettings(
        start_date=date(2025, 1, 6), start_time=time(16, 30), session_minutes=60
    )

    slot = appointment_slot(settings, date(2025, 2, 10), "S6")

    assert slot == Slot(_at(16, 30), _at(17, 30), "S6")


@pytest.mark.parametrize(
    ("candidate", "other"),
    [
        (Slot(_at(10), _at(10, 50), "new"), Slot(_at(10, 30), _at(11, 20), "old")),
        (Slot(_at(10, 30), _at(11, 20), "new"), Slot(_at(10), _at(10, 50), "old")),
        (Slot(_at(10), _at(10, 50), "new"), Slot(_at(9), _at(12), "old")),
        (Slot(_at(9), _at(12), "new"), Slot(_at(10), _at(10, 50), "old")),
        (Slot(_at(10), _at(10, 50), "new"), Slot(_at(10), _at(10, 50), "old")),
        (Slot(_at(10), _at(10, 50), "new"), Slot(_at(10, 49), _at(11), "old")),
    ],
    ids=["overlap-start", "overlap-end", "contained", "containing", "identical", "one-minute"],
)
def test_find_clashes_reports_overlap(candidate, other):
    assert find_clashes([candidate], [other]) == [(candidate, other)]


@pytest.mark.parametrize(
    ("candidate", "other"),
    [
        (Slot(_at(10), _at(10, 50), "new"), Slot(_at(10, 50), _at(11, 40), "old")),
        (Slot(_at(10, 50), _at(11, 40), "new"), Slot(_at(10), _at(10, 50), "old")),
        (Slot(_at(10), _at(10, 50), "new"), Slot(_at(10, day=11), _at(10, 50, day=11), "old")),
    ],
    ids=["back-to-back-after", "back-to-back-before", "other-day"],
)
def test_find_clashes_ignores_touching_and_separate_slots(candidate, other):
    assert find_clashes([candidate], [other]) == []


def test_find_clashes_lists_every_pair_in_time_order():
    early = Slot(_at(9), _at(9, 50), "S5")
    late = Slot(_at(14), _at(14, 50), "S6")
    meeting = Slot(_at(9, 30), _at(14, 30), "team day")
    lunch = Slot(_at(12), _at(13), "lunch")
    supervision = Slot(_at(8), _at(9, 10), "supervision")

    clashes = find_clashes([late, early], [meeting, lunch, supervision])

    assert clashes == [(early, supervision), (early, meeting), (late, meeting)]


def test_find_clashes_order_does_not_depend_on_input_order():
    a = Slot(_at(10), _at(11), "a")
    b = Slot(_at(10), _at(11), "b")
    x = Slot(_at(10, 30), _at(12), "x")
    y = Slot(_at(9), _at(10, 30), "y")

    assert (
        find_clashes([a, b], [x, y])
        == find_clashes([b, a], [y, x])
        == [
            (a, y),
            (a, x),
            (b, y),
            (b, x),
        ]
    )


@pytest.mark.parametrize(("candidates", "existing"), [([], []), ([Slot(_at(9), _at(10))], [])])
def test_find_clashes_with_nothing_to_compare(candidates, existing):
    assert find_clashes(candidates, existing) == []


@pytest.mark.parametrize("end", [_at(10), _at(9, 59)])
def test_slot_must_end_after_it_starts(end):
    with pytest.raises(ValueError, match="must end after") as excinfo:
        Slot(_at(10), end, "empty")

    assert str(excinfo.value) == SLOT_NOT_POSITIVE


_slots = st.lists(
    st.builds(
        lambda start, length, label: Slot(
            _at(8) + timedelta(minutes=start), _at(8) + timedelta(minutes=start + length), label
        ),
        st.integers(0, 600).map(lambda m: m - m % 10),
        st.integers(1, 12).map(lambda k: k * 10),
        st.sampled_from("abc"),
    ),
    max_size=6,
)


@given(_slots, _slots)
def test_find_clashes_is_symmetric_property(candidates, existing):
    forward = find_clashes(candidates, existing)
    backward = find_clashes(existing, candidates)

    assert sorted((a.start, a.label, b.start, b.label) for a, b in forward) == sorted(
        (a.start, a.label, b.start, b.label) for b, a in backward
    )
    assert all(a.end > b.start and b.end > a.start for a, b in forward)
