import itertools
import json

import pytest

from patternwork.measures.definitions import (
    INSTRUMENTS_DIR,
    Comparator,
    Threshold,
    get_instrument,
    parse_instrument,
)
from patternwork.measures.scoring import (
    INCOMPLETE_RESPONSE,
    MISSING_ITEM,
    NOT_AN_OPTION,
    NOT_APPLICABLE,
    NOT_APPLICABLE_REFUSED,
    UNKNOWN_ITEM,
    IncompleteResponse,
    InvalidResponse,
    RiskHit,
    Score,
    compare,
    risk_hits,
    score,
)

PHQ9 = get_instrument("PHQ-9")
GAD7 = get_instrument("GAD-7")
WSAS = get_instrument("WSAS")

# Written out by hand from the published cut-points, independently of the definition files.
PHQ9_BANDS = ["minimal"] * 5 + ["mild"] * 5 + ["moderate"] * 5 + ["moderately_severe"] * 5
PHQ9_BANDS += ["severe"] * 8
GAD7_BANDS = ["minimal"] * 5 + ["mild"] * 5 + ["moderate"] * 5 + ["severe"] * 7
WSAS_BANDS = ["subclinical"] * 10 + ["significant"] * 11 + ["moderately_severe"] * 20


def _phq9(*values, **extra):
    return {f"q{i}": v for i, v in enumerate(values, 1)} | extra


def _wsas(work, home, social, private, close):
    keys = ("work", "home_management", "social_leisure", "private_leisure", "close_relationships")
    return dict(zip(keys, (work, home, social, private, close), strict=True))


def _mismatches(instrument, item_count, expected_for):
    keys = [f"q{n}" for n in range(1, item_count + 1)]
    wrong = []
    for vector in itertools.product(range(4), repeat=item_count):
        result = score(instrument, dict(zip(keys, vector, strict=True)))
        got = (result.total, result.band.code, result.caseness, result.risk, result.max_total)
        if got != expected_for(vector):
            wrong.append((vector, got))
    return wrong


def test_score_every_phq9_answer_vector():
    def expected(vector):
        total = sum(vector)
        risk = (RiskHit("q9", vector[8]),) if vector[8] >= 1 else ()
        return (total, PHQ9_BANDS[total], total >= 10, risk, 27)

    assert _mismatches(PHQ9, 9, expected) == []


def test_score_every_gad7_answer_vector():
    def expected(vector):
        total = sum(vector)
        return (total, GAD7_BANDS[total], total >= 8, (), 21)

    assert _mismatches(GAD7, 7, expected) == []


def test_score_returns_the_whole_result():
    assert score(PHQ9, _phq9(3, 3, 2, 2, 1, 1, 0, 0, 2, q10=1)) == Score(
        code="PHQ-9",
        version=1,
        total=14,
        max_total=27,
        band=PHQ9.band_for(14),
        caseness=True,
        risk=(RiskHit("q9", 2),),
        not_applicable=(),
        prorated=(),
    )


@pytest.mark.parametrize("difficulty", [0, 1, 2, 3])
def test_score_never_counts_the_phq9_difficulty_item(difficulty):
    result = score(PHQ9, _phq9(1, 1, 1, 1, 1, 1, 1, 1, 0, q10=difficulty))

    assert (result.total, result.max_total) == (8, 27)


def test_score_accepts_phq9_without_the_difficulty_item():
    assert score(PHQ9, _phq9(1, 1, 1, 1, 1, 1, 1, 1, 0)).total == 8


@pytest.mark.parametrize(
    ("answers", "total", "max_total", "band", "not_applicable"),
    [
        (_wsas(0, 0, 0, 0, 0), 0, 40, "subclinical", ()),
        (_wsas(8, 8, 8, 8, 8), 40, 40, "moderately_severe", ()),
        (_wsas(1, 2, 2, 2, 2), 9, 40, "subclinical", ()),
        (_wsas(2, 2, 2, 2, 2), 10, 40, "significant", ()),
        (_wsas(4, 4, 4, 4, 4), 20, 40, "significant", ()),
        (_wsas(5, 4, 4, 4, 4), 21, 40, "moderately_severe", ()),
        (_wsas(NOT_APPLICABLE, 0, 0, 0, 0), 0, 32, "subclinical", ("work",)),
        (_wsas(NOT_APPLICABLE, 8, 8, 8, 8), 32, 32, "moderately_severe", ("work",)),
        (_wsas(NOT_APPLICABLE, 2, 2, 3, 3), 10, 32, "significant", ("work",)),
        (_wsas(NOT_APPLICABLE, 5, 5, 5, 5), 20, 32, "significant", ("work",)),
    ],
)
def test_score_wsas_with_and_without_the_work_item(answers, total, max_total, band, not_applicable):
    result = score(WSAS, answers)

    assert (result.total, result.max_total, result.band.code) == (total, max_total, band)
    assert (result.not_applicable, result.caseness, result.risk) == (not_applicable, None, ())


def test_wsas_bands_cover_every_total():
    assert [WSAS.band_for(total).code for total in range(41)] == WSAS_BANDS


def _missing(instrument, *keys):
    items = "; ".join(
        MISSING_ITEM.format(number=instrument.item(k).number, text=instrument.item(k).text)
        for k in keys
    )
    return INCOMPLETE_RESPONSE.format(code=instrument.code, items=items)


def test_score_names_missing_items_by_number_and_text():
    answers = _phq9(1, 1, 1, 1, 1, 1, 1, 1, 1)
    del answers["q3"], answers["q7"]

    with pytest.raises(IncompleteResponse) as raised:
        score(PHQ9, answers)

    assert str(raised.value) == (
        "PHQ-9 is incomplete: no answer to item 3 (Trouble falling or staying asleep, or "
        "sleeping too much); item 7 (Trouble concentrating on things, such as reading the "
        "newspaper or watching television)."
    )
    assert str(raised.value) == _missing(PHQ9, "q3", "q7")
    assert raised.value.missing == ("q3", "q7")


def test_score_keeps_the_risk_answer_of_an_incomplete_phq9():
    with pytest.raises(IncompleteResponse) as raised:
        score(PHQ9, {"q9": 2})

    assert raised.value.risk == (RiskHit("q9", 2),)
    assert raised.value.missing == ("q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8")


@pytest.mark.parametrize(
    ("instrument", "answers", "missing"),
    [
        (PHQ9, {}, ("q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8", "q9")),
        (GAD7, {"q1": 0, "q2": 0, "q3": 0, "q4": 0, "q5": 0, "q6": 0}, ("q7",)),
        (
            WSAS,
            {
                "home_management": 1,
                "social_leisure": 1,
                "private_leisure": 1,
                "close_relationships": 1,
            },
            ("work",),
        ),
    ],
)
def test_score_refuses_a_total_for_an_incomplete_response(instrument, answers, missing):
    with pytest.raises(IncompleteResponse) as raised:
        score(instrument, answers)

    assert (str(raised.value), raised.value.missing) == (_missing(instrument, *missing), missing)


@pytest.mark.parametrize(
    ("instrument", "answers", "message"),
    [
        (
            PHQ9,
            _phq9(0, 0, 0, 4, 0, 0, 0, 0, 0),
            NOT_AN_OPTION.format(
                code="PHQ-9", number=4, text=PHQ9.item("q4").text, value=4, allowed="0, 1, 2, 3"
            ),
        ),
        (
            PHQ9,
            _phq9(-1, 0, 0, 0, 0, 0, 0, 0, 0),
            NOT_AN_OPTION.format(
                code="PHQ-9", number=1, text=PHQ9.item("q1").text, value=-1, allowed="0, 1, 2, 3"
            ),
        ),
        (
            PHQ9,
            _phq9(0, 0, 0, 0, 0, 0, 0, 0, 0, q10=4),
            NOT_AN_OPTION.format(
                code="PHQ-9", number=10, text=PHQ9.item("q10").text, value=4, allowed="0, 1, 2, 3"
            ),
        ),
        (
            PHQ9,
            _phq9(True, 0, 0, 0, 0, 0, 0, 0, 0),
            NOT_AN_OPTION.format(
                code="PHQ-9", number=1, text=PHQ9.item("q1").text, value=True, allowed="0, 1, 2, 3"
            ),
        ),
        (
            PHQ9,
            _phq9("2", 0, 0, 0, 0, 0, 0, 0, 0),
            NOT_AN_OPTION.format(
                code="PHQ-9", number=1, text=PHQ9.item("q1").text, value="2", allowed="0, 1, 2, 3"
            ),
        ),
        (
            WSAS,
            _wsas(9, 0, 0, 0, 0),
            NOT_AN_OPTION.format(
                code="WSAS", number=1, text="Work", value=9, allowed="0, 1, 2, 3, 4, 5, 6, 7, 8"
            ),
        ),
        (GAD7, {"q8": 1}, UNKNOWN_ITEM.format(code="GAD-7", key="q8")),
        (
            PHQ9,
            _phq9(0, 0, 0, 0, 0, 0, 0, 0, NOT_APPLICABLE),
            NOT_APPLICABLE_REFUSED.format(code="PHQ-9", number=9, text=PHQ9.item("q9").text),
        ),
        (
            PHQ9,
            _phq9(0, 0, 0, 0, 0, 0, 0, 0, 0, q10=NOT_APPLICABLE),
            NOT_APPLICABLE_REFUSED.format(code="PHQ-9", number=10, text=PHQ9.item("q10").text),
        ),
        (
            WSAS,
            _wsas(0, NOT_APPLICABLE, 0, 0, 0),
            NOT_APPLICABLE_REFUSED.format(code="WSAS", number=2, text="Home management"),
        ),
    ],
)
def test_score_rejects_invalid_answers(instrument, answers, message):
    with pytest.raises(InvalidResponse) as raised:
        score(instrument, answers)

    assert (str(raised.value), raised.value.problems) == (message, (message,))


def test_score_reports_every_invalid_answer_before_any_missing_one():
    with pytest.raises(InvalidResponse) as raised:
        score(GAD7, {"q1": 5, "q9": 0})

    assert raised.value.problems == (
        NOT_AN_OPTION.format(
            code="GAD-7", number=1, text=GAD7.item("q1").text, value=5, allowed="0, 1, 2, 3"
        ),
        UNKNOWN_ITEM.format(code="GAD-7", key="q9"),
    )


@pytest.mark.parametrize(
    ("answers", "hits"),
    [
        ({}, ()),
        ({"q9": 0}, ()),
        ({"q9": 1}, (RiskHit("q9", 1),)),
        ({"q1": 3, "q9": 3}, (RiskHit("q9", 3),)),
    ],
)
def test_risk_hits_work_on_incomplete_answers(answers, hits):
    assert risk_hits(PHQ9, answers) == hits


def test_risk_hits_reject_invalid_answers():
    with pytest.raises(InvalidResponse) as raised:
        risk_hits(PHQ9, {"q9": 7})

    assert raised.value.problems == (
        NOT_AN_OPTION.format(
            code="PHQ-9", number=9, text=PHQ9.item("q9").text, value=7, allowed="0, 1, 2, 3"
        ),
    )


@pytest.mark.parametrize(
    ("comparator", "value", "met"),
    [
        (">=", 9, False),
        (">=", 10, True),
        (">=", 11, True),
        (">", 10, False),
        (">", 11, True),
        ("<=", 10, True),
        ("<=", 11, False),
        ("<", 9, True),
        ("<", 10, False),
    ],
)
def test_compare_applies_the_comparator_to_value_and_threshold(comparator, value, met):
    assert compare(Threshold(Comparator(comparator), 10), value) is met


def _prorated_instrument(max_missing):
    data = json.loads((INSTRUMENTS_DIR / "gad7-v1.json").read_text(encoding="utf-8"))
    data["code"] = "TEST-3"
    data["items"] = data["items"][:3]
    data["total_range"] = {"min": 0, "max": 9}
    data["bands"] = [{"code": "all", "label": "All", "min": 0, "max": 9}]
    data["caseness"] = {"comparator": ">=", "value": 5}
    data["reliable_change"] = None
    data["scoring"]["prorating"] = {"max_missing": max_missing}
    return parse_instrument(data)


@pytest.mark.parametrize(
    ("answers", "total", "prorated"),
    [
        ({"q1": 1, "q2": 2, "q3": 3}, 6, ()),
        ({"q1": 1, "q2": 0}, 2, ("q3",)),
        ({"q1": 3, "q3": 0}, 5, ("q2",)),
        ({"q2": 2, "q3": 2}, 6, ("q1",)),
    ],
)
def test_score_prorates_only_where_the_instrument_defines_it(answers, total, prorated):
    result = score(_prorated_instrument(1), answers)

    assert (result.total, result.prorated, result.max_total) == (total, prorated, 9)


def test_score_refuses_to_prorate_beyond_max_missing():
    instrument = _prorated_instrument(1)

    with pytest.raises(IncompleteResponse) as raised:
        score(instrument, {"q1": 3})

    assert raised.value.missing == ("q2", "q3")
