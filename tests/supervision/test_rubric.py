import re

import pytest

from patternwork.supervision import rubric


def test_default_rubric_covers_every_domain_and_phase():
    domains = {item.domain for item in rubric.DEFAULT_ITEMS}
    assert domains == set(rubric.Domain)
    for phase in rubric.PHASES:
        dit = [i for i in rubric.DEFAULT_ITEMS if i.domain is rubric.Domain.DIT_PHASE]
        assert any(phase in i.phases for i in dit)


def test_default_rubric_cites_its_source_and_disclaims_the_official_scale():
    assert "Lemma, Roth & Pilling" in rubric.SOURCE
    assert "Lemma, Target & Fonagy" in rubric.SOURCE
    assert "not the official DIT" in rubric.SOURCE
    assert "not the official DIT scale" in rubric.DEFAULT_TITLE


def test_competence_anchors_run_zero_to_six():
    assert [score for score, _ in rubric.COMPETENCE_ANCHORS] == list(range(7))
    assert [score for score, _ in rubric.FREQUENCY_ANCHORS] == list(range(4))


@pytest.mark.parametrize(
    ("phases", "expected"),
    [
        (["ending", "initial"], ("initial", "ending")),
        (["middle"], ("middle",)),
        (("initial", "middle", "ending", "middle"), ("initial", "middle", "ending")),
    ],
)
def test_check_phases_orders_them_as_the_course_runs(phases, expected):
    assert rubric.check_phases(phases) == expected


@pytest.mark.parametrize("phases", [[], ["over_plan"], ["initial", "later"]])
def test_check_phases_refuses_none_or_unknown(phases):
    with pytest.raises(ValueError, match="one or more of the phases"):
        rubric.check_phases(phases)


@pytest.mark.parametrize(
    ("stored", "phase", "expected"),
    [
        ("initial", "initial", True),
        ("initial", "middle", False),
        ("initial,middle,ending", "middle", True),
        ("ending", "over_plan", True),
        ("middle", "over_plan", False),
    ],
)
def test_applies_in(stored, phase, expected):
    assert rubric.applies_in(stored, phase) is expected


@pytest.mark.parametrize(
    ("frequency", "competence", "error"),
    [
        (0, None, None),
        (1, 0, None),
        (3, 6, None),
        (2, None, None),
        (4, None, rubric.FREQUENCY_INVALID),
        (-1, None, rubric.FREQUENCY_INVALID),
        (True, None, rubric.FREQUENCY_INVALID),
        ("2", 3, rubric.FREQUENCY_INVALID),
        (2, 7, rubric.COMPETENCE_INVALID),
        (2, 2.5, rubric.COMPETENCE_INVALID),
        (0, 3, rubric.COMPETENCE_WITHOUT_PRESENCE),
    ],
)
def test_check_item_rating(frequency, competence, error):
    if error is None:
        rubric.check_item_rating(frequency, competence)
    else:
        with pytest.raises(ValueError, match=re.escape(error)):
            rubric.check_item_rating(frequency, competence)


def test_domain_means_leave_out_items_without_competence():
    pairs = [("generic", 4), ("generic", 5), ("generic", None), ("meta", 3), ("dit_phase", None)]
    assert rubric.domain_means(pairs) == {"generic": 4.5, "meta": 3.0}


def test_domain_means_round_to_two_places():
    assert rubric.domain_means([("meta", 1), ("meta", 1), ("meta", 2)]) == {"meta": 1.33}


def test_coverage_per_phase():
    rows = rubric.coverage({"initial": 4, "middle": 2}, {"initial": 1})
    assert [(c.phase, c.courses, c.rated, c.share) for c in rows] == [
        ("initial", 4, 1, 0.25),
        ("middle", 2, 0, 0.0),
        ("ending", 0, 0, None),
    ]
