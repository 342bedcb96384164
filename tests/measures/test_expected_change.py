from fractions import Fraction

import pytest

from patternwork.measures.definitions import get_instrument
from patternwork.measures.expected_change import (
    MIN_AT_SESSION,
    Basis,
    CourseScores,
    Curve,
    CurvePoint,
    choose_curve,
    expected_ranges,
    fit_curve,
    fit_curves,
    improvement_checkpoint,
    judge,
    percentile,
    rule_verdict,
    smooth,
)
from patternwork.measures.outcomes import OutcomeConfig

PHQ9 = get_instrument("PHQ-9")
RULE = OutcomeConfig().depression


@pytest.mark.parametrize(
    ("values", "share", "expected"),
    [
        ([1, 2, 3, 4, 5], Fraction(1, 2), Fraction(3)),
        # h = 4 x 0.05 = 0.2: 1 + 0.2 x (2 - 1)
        ([5, 4, 3, 2, 1], Fraction(5, 100), Fraction(6, 5)),
        # h = 4 x 0.95 = 3.8: 4 + 0.8 x (5 - 4)
        ([1, 2, 3, 4, 5], Fraction(95, 100), Fraction(24, 5)),
        # h = 1.5: -2 + 0.5 x (0 - -2)
        ([-6, -2, 0, 4], Fraction(1, 2), Fraction(-1)),
        # h = 0.15: -6 + 0.15 x 4
        ([-6, -2, 0, 4], Fraction(5, 100), Fraction(-27, 5)),
        # h = 2.85: 0 + 0.85 x 4
        ([-6, -2, 0, 4], Fraction(95, 100), Fraction(17, 5)),
        ([7], Fraction(95, 100), Fraction(7)),
        ([3, 9], Fraction(1), Fraction(9)),
    ],
)
def test_percentile_interpolates_between_order_statistics(values, share, expected):
    assert percentile(values, share) == expected


@pytest.mark.parametrize(
    ("values", "share", "message"),
    [([], Fraction(1, 2), "at least one value"), ([1], Fraction(3, 2), "between 0 and 1")],
)
def test_percentile_refuses_nothing_or_a_share_outside_0_1(values, share, message):
    with pytest.raises(ValueError, match=message):
        percentile(values, share)


def test_smooth_is_a_1_2_1_mean_over_the_neighbours_present():
    raw = {2: Fraction(0), 3: Fraction(4), 4: Fraction(8), 6: Fraction(2)}
    assert smooth(raw) == {
        2: Fraction(4, 3),  # (2 x 0 + 4) / 3
        3: Fraction(4),  # (0 + 2 x 4 + 8) / 4
        4: Fraction(20, 3),  # (4 + 2 x 8) / 3: session 5 is missing
        6: Fraction(2),  # no neighbour
    }


def _ten_courses(first=15):
    # Session 2 changes -9 .. 0 from a first score of 15.
    return [CourseScores(((1, first), (2, first - k))) for k in range(10)]


def test_fit_curve_gives_median_and_90_percent_band_per_session():
    curve = fit_curve("moderately_severe", _ten_courses())
    # h = 9 x 0.05 = 0.45 -> -9 + 0.45; h = 4.5 -> -5 + 0.5; h = 8.55 -> -1 + 0.55
    assert curve == Curve("moderately_severe", 10, (CurvePoint(2, 10, -8.55, -4.5, -0.45),))


def test_fit_curve_leaves_out_a_session_with_too_few_courses():
    courses = _ten_courses()[: MIN_AT_SESSION - 1]
    assert fit_curve("moderately_severe", courses).points == ()


def test_fit_curve_smooths_across_sessions():
    # Ten courses with the same change at each session: -2 at 2, -4 at 3, -9 at 4.
    courses = [CourseScores(((1, 20), (2, 18), (3, 16), (4, 11))) for _ in range(10)]
    medians = [p.median for p in fit_curve("severe", courses).points]
    # (2 x -2 + -4) / 3, (-2 + 2 x -4 + -9) / 4, (-4 + 2 x -9) / 3
    assert medians == [-2.67, -4.75, -7.33]


def test_fit_curves_groups_by_the_band_of_the_first_score():
    courses = [*_ten_courses(first=12), *_ten_courses(first=22)]
    curves = fit_curves(PHQ9, courses)
    assert {band: c.courses for band, c in curves.items()} == {"moderate": 10, "severe": 10}


def test_the_ending_uptick_stays_in_the_curve_and_is_not_flagged():
    # Scores fall to session 12, then rise by 3 over the ending, as the DIT pilot saw.
    def course(k):
        path = [18 - n for n in range(1, 13)] + [7 + n for n in range(1, 5)]
        return CourseScores(tuple((n, max(0, s + k % 3)) for n, s in enumerate(path, start=1)))

    curve = fit_curve("moderately_severe", [course(k) for k in range(12)])
    assert curve.at(16).median > curve.at(12).median
    verdict = judge(
        rule=RULE,
        instrument=PHQ9,
        curve=curve,
        basis=Basis.PRACTICE,
        first=18,
        session=15,
        score=11,
        planned=16,
    )
    assert verdict.on_track
    # The same rise judged against the session-12 expectation would have been off track.
    assert curve.at(12).high < 11 - 18


@pytest.mark.parametrize(
    ("planned", "checkpoint"), [(16, 8), (10, 5), (9, 5), (20, 10), (8, 4), (30, 15)]
)
def test_improvement_checkpoint_is_half_the_plan_rounded_up(planned, checkpoint):
    assert improvement_checkpoint(planned) == checkpoint


@pytest.mark.parametrize(
    ("first", "session", "score", "planned", "on_track", "reason", "low", "high"),
    [
        (18, 3, 24, 16, False, "deterioration", 0, 23),  # a rise of 6
        (18, 3, 23, 16, True, "", 0, 23),
        (18, 7, 17, 16, True, "", 0, 23),  # before session 8: no fall needed yet
        (18, 8, 13, 16, False, "no_improvement", 0, 12),  # a fall of 5 by session 8
        (18, 8, 12, 16, True, "", 0, 12),
        (18, 12, 25, 16, False, "deterioration", 0, 12),
        (12, 5, 7, 10, False, "no_improvement", 0, 6),  # session 5 of 10
        (12, 4, 12, 9, True, "", 0, 17),  # session 4 of 9: checkpoint is 5
        (4, 10, 5, 16, True, "", 0, 9),  # no fall of 6 possible from 4: deterioration only
        (4, 10, 10, 16, False, "deterioration", 0, 9),
    ],
)
def test_fallback_rule(first, session, score, planned, on_track, reason, low, high):
    verdict = rule_verdict(RULE, PHQ9, first=first, session=session, score=score, planned=planned)
    assert (verdict.on_track, verdict.reason, verdict.low, verdict.high, verdict.basis) == (
        on_track,
        reason,
        low,
        high,
        Basis.RULE,
    )


CURVE = Curve("moderately_severe", 60, (CurvePoint(2, 10, -8.55, -4.5, -0.45),))


@pytest.mark.parametrize(
    ("session", "score", "on_track", "basis", "low", "high"),
    [
        (2, 14, True, Basis.PRACTICE, 7, 14),  # 15 - 8.55 up to 15 - 0.45, inwards
        (2, 15, False, Basis.PRACTICE, 7, 14),  # a change of 0 is above -0.45
        (2, 3, True, Basis.PRACTICE, 7, 14),  # below the band is better, not a warning
        (3, 15, True, Basis.RULE, 0, 20),  # no point at session 3: the rule decides
        (9, 15, False, Basis.RULE, 0, 9),
    ],
)
def test_judge_against_the_curve_or_the_rule_where_it_has_no_point(
    session, score, on_track, basis, low, high
):
    verdict = judge(
        rule=RULE,
        instrument=PHQ9,
        curve=CURVE,
        basis=Basis.PRACTICE,
        first=15,
        session=session,
        score=score,
        planned=16,
    )
    assert (verdict.on_track, verdict.basis, verdict.low, verdict.high) == (
        on_track,
        basis,
        low,
        high,
    )


def _curve(courses):
    return Curve("moderate", courses, ())


@pytest.mark.parametrize(
    ("practice", "instance", "basis"),
    [
        (50, 400, Basis.PRACTICE),
        (49, 400, Basis.INSTANCE),
        (49, 50, Basis.INSTANCE),
        (10, 49, Basis.RULE),
        (None, None, Basis.RULE),
    ],
)
def test_choose_curve_needs_50_courses_in_the_practice_then_the_instance(practice, instance, basis):
    chosen, found = choose_curve(
        _curve(practice) if practice else None, _curve(instance) if instance else None
    )
    assert found == basis
    assert (chosen is None) == (basis == Basis.RULE)


def test_expected_ranges_use_the_curve_then_the_rule():
    ranges = expected_ranges(
        rule=RULE, instrument=PHQ9, curve=CURVE, first=15, planned=16, sessions=[2, 8]
    )
    assert [(r.session, r.low, r.high, r.median) for r in ranges] == [
        (2, pytest.approx(6.45), pytest.approx(14.55), pytest.approx(10.5)),
        (8, 0, 9, None),
    ]


@pytest.mark.parametrize("first", [3, 6, 15, 27])
@pytest.mark.parametrize("planned", [1, 8, 16])
def test_expected_ranges_give_the_rule_range_of_every_session(first, planned):
    ranges = expected_ranges(
        rule=RULE, instrument=PHQ9, curve=None, first=first, planned=planned, sessions=range(1, 20)
    )
    expected = []
    for session in range(1, 20):
        verdict = rule_verdict(
            RULE, PHQ9, first=first, session=session, score=first, planned=planned
        )
        expected.append((session, verdict.low, verdict.high, None))
    assert [(r.session, r.low, r.high, r.median) for r in ranges] == expected
