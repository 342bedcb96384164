import pytest
from hypothesis import given
from hypothesis import strategies as st

from patternwork.reports.wait_estimate import (
    MIN_WAITS,
    WaitEstimate,
    estimate_wait,
    percentile,
)


def one_each(*days: int) -> list[tuple[int, int]]:
    return [(d, 1) for d in days]


def test_worked_example_from_the_module_docstring():
    estimate = estimate_wait(one_each(10, 14, 20, 30, 45))

    assert (estimate.lower_days, estimate.upper_days) == (14, 30)
    assert (estimate.lower_weeks, estimate.upper_weeks) == (2, 5)
    assert (estimate.count, estimate.enough_data, estimate.exact) == (5, True, False)


@pytest.mark.parametrize("count", range(MIN_WAITS))
def test_fewer_than_the_minimum_gives_no_estimate(count):
    estimate = estimate_wait(one_each(*range(7, 7 + 7 * count, 7)))

    assert estimate == WaitEstimate(count=count)
    assert (estimate.enough_data, estimate.lower_weeks, estimate.upper_weeks) == (
        False,
        None,
        None,
    )
    assert estimate.exact is False


def test_the_minimum_is_five_waits():
    assert MIN_WAITS == 5
    assert estimate_wait(one_each(7, 14, 21, 28)).enough_data is False
    assert estimate_wait(one_each(7, 14, 21, 28, 35)).enough_data is True


@pytest.mark.parametrize(
    ("waits", "lower_days", "upper_days", "weeks"),
    [
        # 8 waits: ranks ceil(2) = 2 and ceil(6) = 6.
        (one_each(3, 8, 15, 22, 29, 36, 43, 50), 8, 36, (1, 6)),
        # 6 waits: ranks ceil(1.5) = 2 and ceil(4.5) = 5.
        (one_each(0, 7, 14, 21, 28, 35), 7, 28, (1, 4)),
        # Every wait alike: the range collapses onto exactly 3 weeks.
        ([(21, 9)], 21, 21, (3, 3)),
        # Seen on the day of referral: the upper end is still 1 week, never 0.
        ([(0, 5)], 0, 0, (0, 1)),
        # Seen within the first week: "0 to 1 weeks".
        (one_each(0, 1, 2, 3, 6), 1, 3, (0, 1)),
        # A long tail does not move the middle half.
        (one_each(14, 14, 15, 16, 400), 14, 16, (2, 3)),
        # Counts in the pairs weigh like repeated waits: 10 waits, ranks 3 and 8.
        ([(10, 2), (20, 5), (60, 3)], 20, 60, (2, 9)),
    ],
)
def test_middle_half_by_nearest_rank_in_whole_weeks(waits, lower_days, upper_days, weeks):
    estimate = estimate_wait(waits)

    assert (estimate.lower_days, estimate.upper_days) == (lower_days, upper_days)
    assert (estimate.lower_weeks, estimate.upper_weeks) == weeks


def test_exact_only_when_both_ends_fall_on_the_same_week():
    assert estimate_wait([(21, 5)]).exact is True
    assert estimate_wait([(20, 2), (21, 3)]).exact is False


def test_pairs_may_come_in_any_order_and_empty_buckets_are_ignored():
    ordered = estimate_wait([(5, 1), (9, 0), (12, 2), (40, 2)])

    assert estimate_wait([(40, 2), (12, 2), (9, 0), (5, 1)]) == ordered
    assert ordered.count == 5


def test_no_waits_at_all_is_not_enough_data():
    assert estimate_wait([]) == WaitEstimate(count=0)


def test_a_negative_wait_is_refused():
    with pytest.raises(ValueError, match="negative"):
        estimate_wait([(-1, 1), *one_each(1, 2, 3, 4)])


@pytest.mark.parametrize(
    ("percent", "expected"),
    [(1, 10), (20, 10), (21, 20), (50, 30), (60, 30), (61, 40), (100, 50)],
)
def test_percentile_by_nearest_rank(percent, expected):
    assert percentile(one_each(10, 20, 30, 40, 50), 5, percent) == expected


@pytest.mark.parametrize("percent", [0, 101, -5])
def test_percentile_refuses_a_percent_outside_one_to_a_hundred(percent):
    with pytest.raises(ValueError, match="percent"):
        percentile(one_each(1), 1, percent)


def test_percentile_refuses_no_values_and_a_wrong_count():
    with pytest.raises(ValueError, match="at least one"):
        percentile([], 0, 50)
    with pytest.raises(ValueError, match="add up"):
        percentile(one_each(1, 2), 5, 100)


@given(st.lists(st.integers(min_value=0, max_value=400), min_size=MIN_WAITS, max_size=60))
def test_the_range_in_weeks_holds_the_middle_half_in_days(days):
    estimate = estimate_wait(one_each(*days))
    ordered = sorted(days)

    assert estimate.lower_weeks * 7 <= estimate.lower_days <= estimate.upper_days
    assert estimate.upper_days <= estimate.upper_weeks * 7
    assert estimate.upper_weeks >= 1
    # At least a quarter of the waits lie at or below each end, as nearest rank promises.
    assert sum(d <= estimate.lower_days for d in ordered) * 4 >= len(ordered)
    assert sum(d <= estimate.upper_days for d in ordered) * 4 >= 3 * len(ordered)
    assert estimate.lower_days in ordered
    assert estimate.upper_days in ordered
