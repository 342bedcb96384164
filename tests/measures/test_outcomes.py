from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from patternwork.measures.definitions import Comparator, Threshold, get_instrument
from patternwork.measures.outcomes import (
    MISSING_THRESHOLDS,
    Change,
    CourseOutcome,
    MeasureOutcome,
    MeasureRule,
    OutcomeConfig,
    Rate,
    ScorePoint,
    ServiceRates,
    course_outcome,
    describe,
    outcome_from_totals,
    service_rates,
)

START = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)
GE, GT = Comparator.GE, Comparator.GT
DEFAULT = OutcomeConfig()
STRICT = OutcomeConfig(
    depression=MeasureRule("PHQ-9", Threshold(GE, 10), Threshold(GT, 6)),
    anxiety=MeasureRule("GAD-7", Threshold(GE, 8), Threshold(GT, 4)),
)
IMPROVED, NO_CHANGE, DETERIORATED = (
    Change.IMPROVED,
    Change.NO_RELIABLE_CHANGE,
    Change.DETERIORATED,
)
PROPERTY = settings(database=None, max_examples=300)


def _at(week, contact=None, total=0):
    return ScorePoint(
        contact_id=contact or f"c{week}", when=START + timedelta(weeks=week), total=total
    )


def _series(*totals):
    return [_at(week, total=total) for week, total in enumerate(totals)]


def _course(phq, gad, *, finished=True, config=None):
    return course_outcome(_series(*phq), _series(*gad), finished=finished, config=config)


def _flags(outcome):
    return (
        outcome.caseness_at_start,
        outcome.recovered,
        outcome.reliable_improvement,
        outcome.reliable_deterioration,
        outcome.no_reliable_change,
        outcome.reliable_recovery,
        outcome.depression.change,
        outcome.anxiety.change,
    )


# The worked examples of docs/outcomes.md: PHQ-9 scores, GAD-7 scores, config, then caseness at start,
# recovered, reliable improvement, reliable deterioration, no reliable change, reliable
# recovery, PHQ-9 change, GAD-7 change.
WORKED_EXAMPLES = [
    pytest.param(
        (15, 8), (10, 12), DEFAULT,
        (True, False, True, False, False, False, IMPROVED, NO_CHANGE),
        id="15,10 to 8,12: GAD still a case, PHQ reliably improved",
    ),
    pytest.param(
        (12, 9), (9, 7), DEFAULT,
        (True, True, False, False, True, False, NO_CHANGE, NO_CHANGE),
        id="12,9 to 9,7: recovered but not reliably improved",
    ),
    pytest.param(
        (20, 10), (6, 11), DEFAULT,
        (True, False, False, True, False, False, IMPROVED, DETERIORATED),
        id="20,6 to 10,11: GAD rise of 5 blocks improvement",
    ),
    pytest.param(
        (8, 2), (5, 3), DEFAULT,
        (False, None, True, False, False, None, IMPROVED, NO_CHANGE),
        id="8,5 to 2,3: not a case; PHQ fall of 6 improves under >=",
    ),
    pytest.param(
        (8, 2), (5, 3), STRICT,
        (False, None, False, False, True, None, NO_CHANGE, NO_CHANGE),
        id="8,5 to 2,3: the same fall of 6 is no change under >",
    ),
    pytest.param(
        (18,), (14,), DEFAULT,
        (True, None, None, None, None, None, None, None),
        id="18,14 with one score each: no pair, no outcome",
    ),
    pytest.param(
        (12, 4), (7, 7), DEFAULT,
        (True, True, True, False, False, True, IMPROVED, NO_CHANGE),
        id="12,7 to 4,7: reliable recovery",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("phq", "gad", "config", "flags"), WORKED_EXAMPLES)
def test_course_outcome_worked_examples(phq, gad, config, flags):
    assert _flags(_course(phq, gad, config=config)) == flags


def test_course_outcome_returns_the_whole_result():
    phq, gad = _series(15, 11, 8), _series(10, 12)

    assert course_outcome(phq, gad, finished=True) == CourseOutcome(
        finished=True,
        depression=MeasureOutcome("PHQ-9", phq[0], phq[2], IMPROVED),
        anxiety=MeasureOutcome("GAD-7", gad[0], gad[1], NO_CHANGE),
        paired=True,
        caseness_at_start=True,
        recovered=False,
        reliable_improvement=True,
        reliable_deterioration=False,
        no_reliable_change=False,
        reliable_recovery=False,
    )


def test_course_outcome_ignores_a_second_score_at_the_same_contact():
    phq = [_at(0, "c1", 14), _at(0.1, "c1", 6)]
    gad = [_at(0, "c1", 9), _at(1, "c2", 5)]

    outcome = course_outcome(phq, gad, finished=True)

    assert (outcome.depression.first, outcome.depression.last) == (phq[0], None)
    assert (outcome.paired, outcome.recovered, outcome.caseness_at_start) == (False, None, True)


def test_course_outcome_takes_the_latest_duplicate_at_the_last_contact():
    phq = [_at(0, "c1", 15), _at(1, "c2", 9), _at(1.1, "c2", 8)]

    outcome = course_outcome(phq, _series(10, 5), finished=True)

    assert (outcome.depression.first, outcome.depression.last) == (phq[0], phq[2])


def test_course_outcome_last_score_comes_from_another_contact_than_the_first():
    phq = [_at(0, "c1", 15), _at(1, "c2", 9), _at(2, "c1", 12)]

    outcome = course_outcome(phq, _series(10, 5), finished=True)

    assert (outcome.depression.first, outcome.depression.last) == (phq[0], phq[1])


def test_course_outcome_sorts_unsorted_input_by_when():
    phq, gad = _series(18, 12, 7), _series(9, 8, 7)

    forward = course_outcome(phq, gad, finished=True)
    backward = course_outcome(phq[::-1], gad[::-1], finished=True)

    assert backward == forward
    assert (backward.depression.first.total, backward.depression.last.total) == (18, 7)


@pytest.mark.parametrize(("order", "first", "last"), [((0, 1), 15, 9), ((1, 0), 9, 15)])
def test_course_outcome_breaks_ties_on_when_by_the_order_given(order, first, last):
    tied = [_at(0, "c1", 15), _at(0, "c2", 9)]
    phq = [tied[i] for i in order]

    outcome = course_outcome(phq, _series(10, 5), finished=True)

    assert (outcome.depression.first.total, outcome.depression.last.total) == (first, last)


def test_course_outcome_with_one_measure_only_has_caseness_but_no_outcome():
    outcome = course_outcome(_series(20, 8), [], finished=True)

    assert outcome.depression == MeasureOutcome(
        "PHQ-9", _at(0, total=20), _at(1, total=8), IMPROVED
    )
    assert outcome.anxiety == MeasureOutcome("GAD-7", None, None, None)
    assert (outcome.paired, _flags(outcome)[:6]) == (False, (True,) + (None,) * 5)
    assert outcome.counts_for_recovery is True


def test_course_outcome_without_scores_has_no_outcome():
    outcome = course_outcome([], [], finished=False)

    assert (outcome.finished, outcome.paired, _flags(outcome)) == (False, False, (None,) * 8)


def test_outcome_config_defaults_come_from_the_instrument_definitions():
    assert OutcomeConfig() == OutcomeConfig(
        depression=MeasureRule("PHQ-9", Threshold(GE, 10), Threshold(GE, 6)),
        anxiety=MeasureRule("GAD-7", Threshold(GE, 8), Threshold(GE, 4)),
    )


def test_measure_rule_needs_caseness_and_reliable_change():
    with pytest.raises(ValueError, match=r"^WSAS cannot be used") as raised:
        MeasureRule.from_instrument(get_instrument("WSAS"))

    assert str(raised.value) == MISSING_THRESHOLDS.format(code="WSAS")


@pytest.mark.parametrize(
    ("phq", "gad", "finished", "text"),
    [
        ((18, 7), (9, 7), True, "Recovered; reliable improvement on PHQ-9 (18 to 7)."),
        (
            (18, 7), (12, 5), True,
            "Recovered; reliable improvement on PHQ-9 (18 to 7) and GAD-7 (12 to 5).",
        ),
        ((15, 8), (10, 12), True, "Not recovered; reliable improvement on PHQ-9 (15 to 8)."),
        (
            (12, 9), (9, 7), True,
            "Recovered; no reliable change on PHQ-9 (12 to 9) and GAD-7 (9 to 7).",
        ),
        (
            (20, 10), (6, 11), True,
            "Not recovered; reliable deterioration on GAD-7 (6 to 11) despite a reliable fall "
            "on PHQ-9 (20 to 10).",
        ),
        (
            (5, 6), (6, 11), True,
            "Below caseness at start; reliable deterioration on GAD-7 (6 to 11).",
        ),
        ((8, 2), (5, 3), True, "Below caseness at start; reliable improvement on PHQ-9 (8 to 2)."),
        ((18,), (14,), True, "Not paired: fewer than two PHQ-9 and GAD-7 scores."),
        ((18, 12), (14,), True, "Not paired: fewer than two GAD-7 scores."),
        (
            (18, 7), (9, 7), False,
            "Recovered; reliable improvement on PHQ-9 (18 to 7). Course not finished, so not "
            "counted in service rates.",
        ),
    ],
)  # fmt: skip
def test_describe_says_the_outcome_in_plain_words(phq, gad, finished, text):
    assert describe(_course(phq, gad, finished=finished)) == text


def test_service_rates_use_their_documented_denominators():
    outcomes = [
        _course((15, 8), (10, 12)),  # case; RI
        _course((12, 9), (9, 7)),  # case; recovered
        _course((20, 10), (6, 11)),  # case; RD
        _course((8, 2), (5, 3)),  # paired, not a case: out of the recovery denominator; RI
        _course((18,), (14,)),  # case; not paired: counts as not recovered
        _course((12, 4), (7, 7)),  # case; reliable recovery
        _course((12, 4), (7, 7), finished=False),  # not counted
        _course((20, 8), ()),  # case from PHQ-9 alone; not paired: counts as not recovered
    ]

    rates = service_rates(outcomes)

    assert rates == ServiceRates(
        finished=7,
        finished_unpaired=2,
        paired_at_caseness=4,
        recovery=Rate(2, 6),
        reliable_recovery=Rate(1, 6),
        reliable_improvement=Rate(3, 7),
        reliable_deterioration=Rate(1, 7),
    )
    assert (
        rates.recovery.value,
        rates.reliable_recovery.value,
        rates.reliable_improvement.value,
        rates.reliable_deterioration.value,
    ) == (Fraction(1, 3), Fraction(1, 6), Fraction(3, 7), Fraction(1, 7))


def test_service_rates_without_finished_courses_have_no_rates():
    rates = service_rates([_course((12, 4), (7, 7), finished=False)])

    assert rates == ServiceRates(0, 0, 0, Rate(0, 0), Rate(0, 0), Rate(0, 0), Rate(0, 0))
    assert rates.recovery.value is None


def test_service_rates_with_no_course_at_caseness_have_no_recovery_rate():
    rates = service_rates([_course((8, 2), (5, 3))])

    assert (rates.recovery.value, rates.reliable_improvement.value) == (None, Fraction(1))


# The recovery denominator and caseness at start: PHQ-9 scores, GAD-7 scores, then caseness
# at start, paired, recovered, counts in the recovery denominator (when finished), reliable
# improvement. The first three are the worked examples the rule was written with; the PHQ-9
# 8 to 2, GAD-7 5 to 3 row is the docs/outcomes.md worked example with the third's numbers.
DENOMINATOR_EXAMPLES = [
    pytest.param(
        (), (17, 18), (True, False, None, True, None),
        id="PHQ-9 never scored, GAD-7 17 to 18: at caseness, unpaired, counts as not recovered",
    ),
    pytest.param(
        (4,), (5, 5), (False, False, None, True, None),
        id="PHQ-9 4 once, GAD-7 5 to 5: unpaired, counts as not recovered",
    ),
    pytest.param(
        (8, 5), (2, 3), (False, True, None, False, False),
        id="PHQ-9 8 to 5, GAD-7 2 to 3: paired, not a case, out of the recovery denominator",
    ),
    pytest.param(
        (8, 2), (5, 3), (False, True, None, False, True),
        id="PHQ-9 8 to 2, GAD-7 5 to 3: paired, not a case, reliably improved",
    ),
    pytest.param(
        (), (), (None, False, None, True, None),
        id="no scores at all: caseness unknown, counts as not recovered",
    ),
    pytest.param(
        (12,), (), (True, False, None, True, None),
        id="one PHQ-9 of 12 only: at caseness",
    ),
    pytest.param(
        (9, 3), (), (False, False, None, True, None),
        id="PHQ-9 9 to 3, GAD-7 never: below caseness, unpaired, stays in",
    ),
    pytest.param(
        (), (8,), (True, False, None, True, None),
        id="one GAD-7 of exactly 8 only: at caseness",
    ),
    pytest.param(
        (), (7, 2), (False, False, None, True, None),
        id="GAD-7 7 to 2, PHQ-9 never: below caseness, unpaired, stays in",
    ),
    pytest.param(
        (8, 5), (12,), (True, False, None, True, None),
        id="PHQ-9 paired below caseness, one GAD-7 of 12: at caseness from the GAD-7",
    ),
    pytest.param(
        (18,), (14,), (True, False, None, True, None),
        id="one score each, both cases: unpaired, counts as not recovered",
    ),
    pytest.param(
        (9, 9), (7, 7), (False, True, None, False, False),
        id="PHQ-9 9 and GAD-7 7 throughout: just below caseness, out",
    ),
    pytest.param(
        (10, 4), (7, 3), (True, True, True, True, True),
        id="PHQ-9 10 to 4 and GAD-7 7 to 3: at caseness on PHQ-9 alone, recovered",
    ),
    pytest.param(
        (15, 8), (10, 12), (True, True, False, True, True),
        id="PHQ-9 15 to 8 and GAD-7 10 to 12: paired case, not recovered, in",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("phq", "gad", "expected"), DENOMINATOR_EXAMPLES)
def test_caseness_from_the_first_scores_that_exist_and_recovery_denominator(phq, gad, expected):
    outcome = _course(phq, gad)

    assert (
        outcome.caseness_at_start,
        outcome.paired,
        outcome.recovered,
        outcome.counts_for_recovery,
        outcome.reliable_improvement,
    ) == expected


@pytest.mark.parametrize(("phq", "gad", "expected"), DENOMINATOR_EXAMPLES)
def test_service_rates_of_each_denominator_example(phq, gad, expected):
    caseness, paired, recovered, counted, improved = expected

    rates = service_rates([_course(phq, gad)])

    assert rates == ServiceRates(
        finished=1,
        finished_unpaired=int(not paired),
        paired_at_caseness=int(paired and caseness is True),
        recovery=Rate(int(recovered is True), int(counted)),
        reliable_recovery=Rate(int(recovered is True and improved is True), int(counted)),
        reliable_improvement=Rate(int(improved is True), 1),
        reliable_deterioration=Rate(0, 1),
    )


def test_service_rates_of_the_three_worked_examples_together():
    rates = service_rates([_course((), (17, 18)), _course((4,), (5, 5)), _course((8, 5), (2, 3))])

    assert rates == ServiceRates(
        finished=3,
        finished_unpaired=2,
        paired_at_caseness=0,
        recovery=Rate(0, 2),
        reliable_recovery=Rate(0, 2),
        reliable_improvement=Rate(0, 3),
        reliable_deterioration=Rate(0, 3),
    )


@pytest.mark.parametrize(("phq", "gad", "expected"), DENOMINATOR_EXAMPLES)
def test_unfinished_courses_are_in_no_denominator(phq, gad, expected):
    rates = service_rates([_course(phq, gad, finished=False)])

    assert rates == ServiceRates(0, 0, 0, Rate(0, 0), Rate(0, 0), Rate(0, 0), Rate(0, 0))


def _points(max_total):
    point = st.builds(
        ScorePoint,
        contact_id=st.integers(0, 3),
        when=st.integers(0, 4).map(lambda day: START + timedelta(days=day)),
        total=st.integers(0, max_total),
    )
    return st.lists(point, max_size=5)


courses = st.builds(
    course_outcome,
    _points(27),
    _points(21),
    finished=st.booleans(),
    config=st.sampled_from([DEFAULT, STRICT]),
)


def property_reliable_recovery_implies_recovery_and_reliable_improvement(outcome):
    if outcome.reliable_recovery:
        assert (outcome.recovered, outcome.reliable_improvement) == (True, True)


def property_never_both_reliably_improved_and_deteriorated(outcome):
    assert not (outcome.reliable_improvement and outcome.reliable_deterioration)


def property_recovery_implies_caseness_at_start(outcome):
    if outcome.recovered is not None:
        assert outcome.caseness_at_start is True


def property_caseness_is_decided_from_the_first_scores_that_exist(outcome):
    firsts = [m for m in (outcome.depression, outcome.anxiety) if m.first is not None]
    if not firsts:
        assert outcome.caseness_at_start is None
    else:
        # DEFAULT and STRICT share the caseness thresholds: PHQ-9 >= 10, GAD-7 >= 8.
        at_caseness = [m.first.total >= {"PHQ-9": 10, "GAD-7": 8}[m.code] for m in firsts]
        assert outcome.caseness_at_start is any(at_caseness)


def property_only_paired_courses_not_at_caseness_leave_the_recovery_denominator(outcome):
    assert outcome.counts_for_recovery is not (
        outcome.paired and outcome.caseness_at_start is False
    )


def property_unpaired_courses_have_no_outcome_flags(outcome):
    if not outcome.paired:
        assert _flags(outcome)[1:6] == (None,) * 5


def property_paired_courses_fall_in_exactly_one_change_class(outcome):
    if outcome.paired:
        classes = (
            outcome.reliable_improvement,
            outcome.reliable_deterioration,
            outcome.no_reliable_change,
        )
        assert sorted(classes) == [False, False, True]


def property_measure_changes_agree_with_composite_flags(outcome):
    changes = {outcome.depression.change, outcome.anxiety.change}
    if outcome.paired:
        deteriorated = DETERIORATED in changes
        assert (outcome.reliable_deterioration, outcome.reliable_improvement) == (
            deteriorated,
            IMPROVED in changes and not deteriorated,
        )
        assert outcome.no_reliable_change == (changes == {NO_CHANGE})


def property_first_and_last_scores_come_from_different_contacts(outcome):
    for measure in (outcome.depression, outcome.anxiety):
        if measure.paired:
            assert measure.first.contact_id != measure.last.contact_id
            assert measure.first.when <= measure.last.when


# Every property of one course is checked on each generated course, so each example is
# drawn once for all of them (drawing, not checking, is what costs the time).
COURSE_PROPERTIES = [
    property_reliable_recovery_implies_recovery_and_reliable_improvement,
    property_never_both_reliably_improved_and_deteriorated,
    property_recovery_implies_caseness_at_start,
    property_caseness_is_decided_from_the_first_scores_that_exist,
    property_only_paired_courses_not_at_caseness_leave_the_recovery_denominator,
    property_unpaired_courses_have_no_outcome_flags,
    property_paired_courses_fall_in_exactly_one_change_class,
    property_measure_changes_agree_with_composite_flags,
    property_first_and_last_scores_come_from_different_contacts,
]


@PROPERTY
@given(courses)
def test_every_course_property_holds_for_each_generated_course(outcome):
    for check in COURSE_PROPERTIES:
        check(outcome)


@PROPERTY
@given(
    st.lists(st.integers(0, 27), min_size=0, max_size=5),
    st.lists(st.integers(0, 21), min_size=0, max_size=5),
    st.randoms(use_true_random=False),
)
def test_property_input_order_does_not_matter_when_times_differ(phq, gad, random):
    phq_points, gad_points = _series(*phq), _series(*gad)
    shuffled_phq, shuffled_gad = phq_points[:], gad_points[:]
    random.shuffle(shuffled_phq)
    random.shuffle(shuffled_gad)

    assert course_outcome(shuffled_phq, shuffled_gad, finished=True) == course_outcome(
        phq_points, gad_points, finished=True
    )


# A hundred lists of up to a dozen courses: some six hundred courses in all.
@settings(database=None, max_examples=100)
@given(st.lists(courses, max_size=12))
def test_property_rates_are_fractions_of_consistent_denominators(outcomes):
    rates = service_rates(outcomes)
    finished = [o for o in outcomes if o.finished]

    assert rates.finished == len(finished)
    assert rates.finished_unpaired == sum(not o.paired for o in finished)
    assert rates.paired_at_caseness == sum(o.paired and o.caseness_at_start for o in finished)
    assert rates.recovery.denominator == rates.reliable_recovery.denominator
    assert rates.recovery.denominator == rates.paired_at_caseness + rates.finished_unpaired
    assert rates.recovery.denominator == rates.finished - sum(
        o.paired and o.caseness_at_start is False for o in finished
    )
    assert rates.reliable_improvement.denominator == rates.reliable_deterioration.denominator
    assert rates.reliable_improvement.denominator == rates.finished
    assert rates.reliable_recovery.count <= rates.recovery.count
    assert rates.reliable_improvement.count + rates.reliable_deterioration.count <= rates.finished
    for rate in (
        rates.recovery,
        rates.reliable_recovery,
        rates.reliable_improvement,
        rates.reliable_deterioration,
    ):
        if rate.denominator == 0:
            assert rate.value is None
        else:
            assert 0 <= rate.value <= 1


@pytest.mark.parametrize(
    ("phq", "gad"),
    [
        ((15, 4), (10, 3)),
        ((15, 15), (10, 10)),
        ((5, 12), (4, 9)),
        ((None, None), (17, 18)),
        ((4, None), (5, 5)),
        ((None, None), (None, None)),
        ((8, 5), (2, 3)),
    ],
)
def test_outcome_from_stored_totals_is_the_outcome_of_those_scores(phq, gad):
    def series(first, last):
        return [p for p in (_point(1, first), _point(2, last)) if p.total is not None]

    def _point(week, total):
        return ScorePoint(week, datetime(2025, 1, week, tzinfo=UTC), total)

    stored = outcome_from_totals(phq, gad, finished=True)
    raw = course_outcome(series(*phq), series(*gad), finished=True)

    assert (stored.paired, stored.caseness_at_start, stored.recovered) == (
        raw.paired,
        raw.caseness_at_start,
        raw.recovered,
    )
    assert (stored.reliable_improvement, stored.reliable_deterioration) == (
        raw.reliable_improvement,
        raw.reliable_deterioration,
    )
    assert (stored.reliable_recovery, stored.no_reliable_change) == (
        raw.reliable_recovery,
        raw.no_reliable_change,
    )
    assert (stored.depression.change, stored.anxiety.change) == (
        raw.depression.change,
        raw.anxiety.change,
    )
