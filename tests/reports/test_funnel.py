import pytest

from patternwork.reports.funnel import (
    Position,
    Unit,
    binomial_limit,
    funnel_svg,
    limits,
    position,
    practice_mean,
)


@pytest.mark.parametrize(
    ("n", "p", "share", "expected"),
    [
        # n = 4, p = 1/2: P(R <= r) = 1/16, 5/16, 11/16, 15/16, 1.
        # r = 0; alpha = (0.0625 - 0.025) / 0.0625 = 0.6; (0 - 0.6) / 4 < 0, kept at 0.
        (4, 0.5, 0.025, 0.0),
        # r = 4; alpha = (1 - 0.975) / 0.0625 = 0.4; (4 - 0.4) / 4.
        (4, 0.5, 0.975, 0.9),
        # r = 4; alpha = (1 - 0.999) / 0.0625 = 0.016; (4 - 0.016) / 4.
        (4, 0.5, 0.999, 0.996),
        # P(R <= 9) = 1023/1024 >= 0.999: r = 9, alpha = (1023 - 1022.976) / 10 = 0.0024.
        (10, 0.5, 0.999, 0.89976),
        # P(R <= 0) = 1/1024 < 0.001: r = 1, alpha = (11 - 1.024) / 10 = 0.9976.
        (10, 0.5, 0.001, 0.00024),
        # n = 10, p = 1/2: P(R <= 1) = 11/1024, P(R <= 2) = 56/1024, P(R = 2) = 45/1024.
        # r = 2; alpha = (56/1024 - 0.025) / (45/1024) = 30.4 / 45; (2 - alpha) / 10.
        (10, 0.5, 0.025, (2 - 30.4 / 45) / 10),
        # P(R <= 7) = 968/1024 < 0.975 <= P(R <= 8) = 1013/1024; P(R = 8) = 45/1024.
        # alpha = (1013 - 998.4) / 45; (8 - alpha) / 10.
        (10, 0.5, 0.975, (8 - 14.6 / 45) / 10),
        # n = 2, p = 0.1: P(R <= 0) = 0.81, P(R <= 1) = 0.99, P(R = 2) = 0.01.
        # 0.999: r = 2; alpha = (1 - 0.999) / 0.01 = 0.1; (2 - 0.1) / 2.
        (2, 0.1, 0.999, 0.95),
        # 0.975: r = 1; alpha = (0.99 - 0.975) / 0.18; (1 - alpha) / 2.
        (2, 0.1, 0.975, (1 - 0.015 / 0.18) / 2),
        (7, 0.0, 0.975, 0.0),  # no variation around a rate of 0
        (7, 1.0, 0.025, 1.0),
    ],
)
def test_binomial_limit_hand_computed(n, p, share, expected):
    assert binomial_limit(n, p, share) == pytest.approx(expected)


def test_binomial_limit_refuses_no_courses():
    with pytest.raises(ValueError, match="at least one course"):
        binomial_limit(0, 0.5, 0.5)


def test_limits_narrow_as_courses_grow():
    small, large = limits(10, 0.5), limits(200, 0.5)
    assert small.low_998 < small.low_95 < 0.5 < small.high_95 < small.high_998
    assert large.high_95 - large.low_95 < small.high_95 - small.low_95


@pytest.mark.parametrize(
    ("count", "denominator", "expected"),
    [
        (5, 10, Position.WITHIN),
        # n = 10: 95% limits 0.1324 and 0.7676 (above); 99.8% limits, from
        # 0.00024 and 0.89976 (above).
        (8, 10, Position.HIGH_95),
        (9, 10, Position.HIGH_998),
        (1, 10, Position.LOW_95),
        (0, 10, Position.LOW_998),
        (160, 200, Position.HIGH_998),
        (40, 200, Position.LOW_998),
        (0, 0, Position.NO_DATA),
    ],
)
def test_position_against_the_limits_around_one_half(count, denominator, expected):
    assert position(Unit("t", "T", count, denominator), 0.5) == expected


def test_practice_mean_pools_every_course():
    units = [Unit("a", "A", 3, 10), Unit("b", "B", 17, 30), Unit("c", "C", 0, 0)]
    assert practice_mean(units) == 0.5
    assert practice_mean([Unit("c", "C", 0, 0)]) is None


def test_funnel_svg_draws_limits_mean_and_only_the_points_shown():
    svg = funnel_svg(
        shown=[Unit("a", "Dr <A>", 3, 10)],
        mean=0.5,
        largest=40,
        title="Recovery",
        description="One point",
        x_label="Courses",
        y_label="Recovery rate",
    )
    assert svg.count("funnel-chart__limit--") == 4
    assert svg.count("<circle") == 1
    assert "Dr &lt;A&gt;: 3/10" in svg
    assert "funnel-chart__mean" in svg
    assert ">40</text>" in svg  # the axis runs to the practice's largest caseload
