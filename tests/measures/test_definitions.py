import copy
import json
from pathlib import Path

import pytest

from patternwork.measures.definitions import (
    BAD_KEY,
    BAD_LOINC,
    BAD_LOINC_ANSWER,
    BAD_PRORATING,
    BAD_RELIABLE_CHANGE,
    BAD_TOTAL_RANGE,
    BAD_VERSION,
    BANDS_DO_NOT_TILE,
    DUPLICATE,
    FILE_NAME_MISMATCH,
    INSTRUMENTS_DIR,
    MISSING_KEYS,
    NEGATIVE_OPTION_SCORE,
    NO_SCORED_ITEMS,
    NOT_JSON,
    OPTION_SCORE_MISMATCH,
    RISK_ITEM_NEVER_FIRES,
    SCORED_ITEM_NOT_REQUIRED,
    THRESHOLD_OUT_OF_RANGE,
    TOTAL_OUT_OF_RANGE,
    UNKNOWN_ANSWER_LIST,
    UNKNOWN_CHOICE,
    UNKNOWN_INSTRUMENT,
    UNKNOWN_KEYS,
    UNKNOWN_RISK_ITEM,
    UNUSED_ANSWER_LISTS,
    WRONG_TYPE,
    Band,
    Comparator,
    DefinitionError,
    Option,
    Prorating,
    RiskItem,
    Scoring,
    ScoringMethod,
    Threshold,
    UnknownInstrument,
    file_name_for,
    get_instrument,
    load_all_versions,
    load_instrument_file,
    load_instruments,
    loinc_check_digit_ok,
    parse_instrument,
)

PHQ9_COPYRIGHT = (
    "Developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues, "
    "with an educational grant from Pfizer Inc. No permission required to reproduce, "
    "translate, display or distribute."
)
PHQ9_ITEMS = (
    ("q1", "Little interest or pleasure in doing things", "44250-9"),
    ("q2", "Feeling down, depressed, or hopeless", "44255-8"),
    ("q3", "Trouble falling or staying asleep, or sleeping too much", "44259-0"),
    ("q4", "Feeling tired or having little energy", "44254-1"),
    ("q5", "Poor appetite or overeating", "44251-7"),
    (
        "q6",
        "Feeling bad about yourself \u2014 or that you are a failure or have let yourself or "
        "your family down",
        "44258-2",
    ),
    (
        "q7",
        "Trouble concentrating on things, such as reading the newspaper or watching television",
        "44252-5",
    ),
    (
        "q8",
        "Moving or speaking so slowly that other people could have noticed? Or the opposite "
        "\u2014 being so fidgety or restless that you have been moving around a lot more than "
        "usual",
        "44253-3",
    ),
    (
        "q9",
        "Thoughts that you would be better off dead or of hurting yourself in some way",
        "44260-8",
    ),
    (
        "q10",
        "If you checked off any problems, how difficult have these problems made it for you to "
        "do your work, take care of things at home, or get along with other people?",
        "69722-7",
    ),
)
FREQUENCY = (
    Option(0, "Not at all", 0, "LA6568-5"),
    Option(1, "Several days", 1, "LA6569-3"),
    Option(2, "More than half the days", 2, "LA6570-1"),
    Option(3, "Nearly every day", 3, "LA6571-9"),
)
GAD7_ITEMS = (
    ("q1", "Feeling nervous, anxious or on edge", "69725-0"),
    ("q2", "Not being able to stop or control worrying", "68509-9"),
    ("q3", "Worrying too much about different things", "69733-4"),
    ("q4", "Trouble relaxing", "69734-2"),
    ("q5", "Being so restless that it is hard to sit still", "69735-9"),
    ("q6", "Becoming easily annoyed or irritable", "69689-8"),
    ("q7", "Feeling afraid as if something awful might happen", "69736-7"),
)


def _phq9_data():
    return json.loads((INSTRUMENTS_DIR / "phq9-v1.json").read_text(encoding="utf-8"))


def test_load_instruments_returns_the_bundled_instruments_by_code():
    instruments = load_instruments()

    assert {code: i.version for code, i in instruments.items()} == {
        "PHQ-9": 1,
        "GAD-7": 1,
        "WSAS": 1,
    }


def test_bundled_definitions_are_named_by_code_and_version():
    names = {path.name for path in INSTRUMENTS_DIR.glob("*.json")}

    assert names == {file_name_for(i.code, i.version) for i in load_all_versions()}
    assert names == {"phq9-v1.json", "gad7-v1.json", "wsas-v1.json"}


def test_phq9_items_have_published_wording_and_loinc_codes():
    phq9 = get_instrument("PHQ-9")

    assert tuple((i.key, i.text, i.loinc) for i in phq9.items) == PHQ9_ITEMS
    assert tuple(i.number for i in phq9.items) == tuple(range(1, 11))


def test_phq9_scored_items_use_frequency_answers_with_loinc_codes():
    phq9 = get_instrument("PHQ-9")

    assert {i.options for i in phq9.items[:9]} == {FREQUENCY}
    assert {(i.scored, i.required, i.not_applicable_allowed) for i in phq9.items[:9]} == {
        (True, True, False)
    }


def test_phq9_difficulty_item_is_unscored_and_optional():
    difficulty = get_instrument("PHQ-9").item("q10")

    assert (difficulty.scored, difficulty.required, difficulty.not_applicable_allowed) == (
        False,
        False,
        False,
    )
    assert tuple((o.value, o.label, o.score) for o in difficulty.options) == (
        (0, "Not difficult at all", None),
        (1, "Somewhat difficult", None),
        (2, "Very difficult", None),
        (3, "Extremely difficult", None),
    )


def test_phq9_rules_match_the_design():
    phq9 = get_instrument("PHQ-9")

    assert (phq9.total_min, phq9.total_max) == (0, 27)
    assert phq9.bands == (
        Band("minimal", "Minimal", 0, 4),
        Band("mild", "Mild", 5, 9),
        Band("moderate", "Moderate", 10, 14),
        Band("moderately_severe", "Moderately severe", 15, 19),
        Band("severe", "Severe", 20, 27),
    )
    assert phq9.caseness == Threshold(Comparator.GE, 10)
    assert phq9.reliable_change == Threshold(Comparator.GE, 6)
    assert phq9.risk_items == (RiskItem("q9", Threshold(Comparator.GE, 1)),)
    assert (phq9.loinc_panel, phq9.loinc_total) == ("44249-1", "44261-6")
    assert phq9.scoring == Scoring(ScoringMethod.SUM, None)
    assert phq9.copyright == PHQ9_COPYRIGHT
    assert (phq9.timeframe, phq9.instructions) == (
        "Over the last 2 weeks",
        "Over the last 2 weeks, how often have you been bothered by any of the following problems?",
    )


def test_gad7_matches_the_design():
    gad7 = get_instrument("GAD-7")

    assert tuple((i.key, i.text, i.loinc) for i in gad7.items) == GAD7_ITEMS
    assert {i.options for i in gad7.items} == {FREQUENCY}
    assert (gad7.total_min, gad7.total_max) == (0, 21)
    assert tuple((b.code, b.low, b.high) for b in gad7.bands) == (
        ("minimal", 0, 4),
        ("mild", 5, 9),
        ("moderate", 10, 14),
        ("severe", 15, 21),
    )
    assert (gad7.caseness, gad7.reliable_change) == (
        Threshold(Comparator.GE, 8),
        Threshold(Comparator.GE, 4),
    )
    assert gad7.risk_items == ()
    assert (gad7.loinc_panel, gad7.loinc_total) == ("69737-5", "70274-6")
    assert gad7.scoring == Scoring(ScoringMethod.SUM, None)
    assert gad7.copyright == PHQ9_COPYRIGHT


def test_gad7_marks_its_loinc_codes_as_to_be_verified():
    notes = get_instrument("GAD-7").notes

    assert [note.startswith("TO BE VERIFIED") for note in notes] == [True, True, False, False]


def test_wsas_matches_the_design():
    wsas = get_instrument("WSAS")

    assert tuple((i.key, i.text, i.not_applicable_allowed) for i in wsas.items) == (
        ("work", "Work", True),
        ("home_management", "Home management", False),
        ("social_leisure", "Social leisure activities", False),
        ("private_leisure", "Private leisure activities", False),
        ("close_relationships", "Close relationships", False),
    )
    assert {tuple((o.value, o.score) for o in i.options) for i in wsas.items} == {
        tuple((v, v) for v in range(9))
    }
    assert (wsas.total_min, wsas.total_max) == (0, 40)
    assert tuple((b.code, b.low, b.high) for b in wsas.bands) == (
        ("subclinical", 0, 9),
        ("significant", 10, 20),
        ("moderately_severe", 21, 40),
    )
    assert (wsas.caseness, wsas.reliable_change, wsas.risk_items) == (None, None, ())
    assert (wsas.loinc_panel, wsas.loinc_total) == (None, None)
    assert wsas.scoring == Scoring(ScoringMethod.SUM, None)


def test_wsas_licence_line_says_the_item_labels_are_our_own():
    copyright_line = get_instrument("WSAS").copyright

    assert "not the published sentences" in copyright_line
    assert copyright_line.startswith("Work and Social Adjustment Scale: Mundt, Marks, Shear")


@pytest.mark.parametrize(
    ("code", "total", "band"),
    [
        ("PHQ-9", 0, "minimal"),
        ("PHQ-9", 27, "severe"),
        ("GAD-7", 15, "severe"),
        ("WSAS", 9, "subclinical"),
        ("WSAS", 21, "moderately_severe"),
    ],
)
def test_band_for_finds_the_band_of_a_total(code, total, band):
    assert get_instrument(code).band_for(total).code == band


def test_band_for_rejects_a_total_outside_the_range():
    with pytest.raises(ValueError, match=r"^PHQ-9: total 28 is outside") as raised:
        get_instrument("PHQ-9").band_for(28)

    assert str(raised.value) == TOTAL_OUT_OF_RANGE.format(code="PHQ-9", total=28)


def test_get_instrument_by_version_returns_that_version():
    assert get_instrument("PHQ-9", version=1) == get_instrument("PHQ-9")


@pytest.mark.parametrize(
    ("code", "version", "message"),
    [
        ("PHQ-8", None, UNKNOWN_INSTRUMENT.format(code="PHQ-8", version="")),
        ("PHQ-9", 2, UNKNOWN_INSTRUMENT.format(code="PHQ-9", version=" version 2")),
    ],
)
def test_get_instrument_rejects_unknown_code_or_version(code, version, message):
    with pytest.raises(UnknownInstrument) as raised:
        get_instrument(code, version)

    assert str(raised.value) == message


def _write(directory: Path, name: str, data: object) -> Path:
    path = directory / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_load_instruments_returns_the_latest_version(tmp_path):
    second = _phq9_data()
    second["version"] = 2
    second["title"] = "PHQ-9, second version"
    _write(tmp_path, "phq9-v1.json", _phq9_data())
    _write(tmp_path, "phq9-v2.json", second)

    assert {c: (i.version, i.title) for c, i in load_instruments(tmp_path).items()} == {
        "PHQ-9": (2, "PHQ-9, second version")
    }
    assert [i.version for i in load_all_versions(tmp_path)] == [1, 2]


def test_load_instrument_file_rejects_a_name_that_does_not_match(tmp_path):
    path = _write(tmp_path, "phq9-v2.json", _phq9_data())

    with pytest.raises(DefinitionError) as raised:
        load_instrument_file(path)

    assert str(raised.value) == FILE_NAME_MISMATCH.format(
        path="phq9-v2.json", code="PHQ-9", version=1, expected="phq9-v1.json"
    )


def test_load_instrument_file_rejects_invalid_json(tmp_path):
    path = tmp_path / "phq9-v1.json"
    path.write_text('{"code": "PHQ-9",', encoding="utf-8")

    with pytest.raises(DefinitionError, match=r"^phq9-v1\.json: not valid JSON: ") as raised:
        load_instrument_file(path)

    assert str(raised.value) == NOT_JSON.format(path="phq9-v1.json", error=raised.value.__cause__)


@pytest.mark.parametrize(
    ("code", "version", "name"),
    [("PHQ-9", 1, "phq9-v1.json"), ("GAD-7", 3, "gad7-v3.json"), ("CORE-10", 1, "core10-v1.json")],
)
def test_file_name_for_derives_a_slug(code, version, name):
    assert file_name_for(code, version) == name


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("44249-1", True),
        ("44261-6", True),
        ("69722-7", True),
        ("70274-6", True),
        ("44261-7", False),
        ("44262-6", False),
        ("LA6568-5", False),
        ("442616", False),
    ],
)
def test_loinc_check_digit_ok_checks_the_mod10_digit(code, valid):
    assert loinc_check_digit_ok(code) is valid


def _set(path, value):
    def change(data):
        *parents, last = path
        target = data
        for key in parents:
            target = target[key]
        target[last] = value

    return change


def _delete(path):
    def change(data):
        *parents, last = path
        target = data
        for key in parents:
            target = target[key]
        del target[last]

    return change


def _frequency_score(index, score):
    return _set(("answer_lists", "frequency", index, "score"), score)


def _risk(comparator, value):
    return _set(("risk_items", 0), {"item": "q9", "comparator": comparator, "value": value})


def _bands(*ranges):
    return _set(
        ("bands",),
        [
            {"code": f"b{i}", "label": f"Band {i}", "min": lo, "max": hi}
            for i, (lo, hi) in enumerate(ranges)
        ],
    )


def _unscore_everything(data):
    for item in data["items"]:
        item.update(scored=False, required=False)
    for option in data["answer_lists"]["frequency"]:
        option["score"] = None


S = "phq9-v1.json"
LISTS = f"{S}: answer_lists"

INVALID_DEFINITIONS = [
    (
        "unknown top-level key",
        _set(("scoring_notes",), "x"),
        UNKNOWN_KEYS.format(path=S, keys="scoring_notes"),
    ),
    (
        "missing top-level key",
        _delete(("copyright",)),
        MISSING_KEYS.format(path=S, keys="copyright"),
    ),
    (
        "unknown item key",
        _set(("items", 0, "hint"), "x"),
        UNKNOWN_KEYS.format(path=f"{S}: items[0]", keys="hint"),
    ),
    (
        "unknown option key",
        _set(("answer_lists", "frequency", 0, "weight"), 1),
        UNKNOWN_KEYS.format(path=f"{LISTS}.frequency[0]", keys="weight"),
    ),
    (
        "duplicate item key",
        _set(("items", 1, "key"), "q1"),
        DUPLICATE.format(path=f"{S}: items[1].key", what="item key", value="q1"),
    ),
    (
        "bad item key",
        _set(("items", 0, "key"), "Q1"),
        BAD_KEY.format(path=f"{S}: items[0].key", value="Q1"),
    ),
    (
        "version as text",
        _set(("version",), "1"),
        WRONG_TYPE.format(path=f"{S}: version", expected="an integer", value="1"),
    ),
    (
        "version as true",
        _set(("version",), True),
        WRONG_TYPE.format(path=f"{S}: version", expected="an integer", value=True),
    ),
    ("version 0", _set(("version",), 0), BAD_VERSION.format(path=f"{S}: version", value=0)),
    (
        "empty title",
        _set(("title",), " "),
        WRONG_TYPE.format(path=f"{S}: title", expected="non-empty text", value=" "),
    ),
    (
        "no items",
        _set(("items",), []),
        WRONG_TYPE.format(path=f"{S}: items", expected="a non-empty list", value=[]),
    ),
    (
        "scored as text",
        _set(("items", 0, "scored"), "yes"),
        WRONG_TYPE.format(path=f"{S}: items[0].scored", expected="true or false", value="yes"),
    ),
    (
        "no scored item",
        _unscore_everything,
        NO_SCORED_ITEMS.format(path=f"{S}: items"),
    ),
    (
        "scored item not required",
        _set(("items", 0, "required"), False),
        SCORED_ITEM_NOT_REQUIRED.format(path=f"{S}: items[0].required"),
    ),
    (
        "unknown answer list",
        _set(("items", 0, "options"), "frequencies"),
        UNKNOWN_ANSWER_LIST.format(path=f"{S}: items[0].options", value="frequencies"),
    ),
    (
        "unused answer list",
        _set(("answer_lists", "spare"), [{"value": 0, "label": "x", "score": 0, "loinc": None}]),
        UNUSED_ANSWER_LISTS.format(path=LISTS, names=["spare"]),
    ),
    (
        "answer lists not an object",
        _set(("answer_lists",), []),
        WRONG_TYPE.format(path=LISTS, expected="named lists", value=[]),
    ),
    (
        "duplicate option value",
        _set(("answer_lists", "frequency", 1, "value"), 0),
        DUPLICATE.format(path=f"{LISTS}.frequency[1].value", what="option value", value=0),
    ),
    (
        "option score out of range (the SDC example's 4 for 'Nearly every day')",
        _frequency_score(3, 4),
        BAD_TOTAL_RANGE.format(path=f"{S}: total_range", low=0, high=27, item_low=0, item_high=36),
    ),
    (
        "negative option score",
        _frequency_score(0, -1),
        NEGATIVE_OPTION_SCORE.format(path=f"{LISTS}.frequency[0].score", value=-1),
    ),
    (
        "scored option without score",
        _frequency_score(0, None),
        OPTION_SCORE_MISMATCH.format(path=f"{LISTS}.frequency[0].score"),
    ),
    (
        "unscored option with score",
        _set(("answer_lists", "difficulty", 0, "score"), 0),
        OPTION_SCORE_MISMATCH.format(path=f"{LISTS}.difficulty[0].score"),
    ),
    (
        "option score as text",
        _frequency_score(1, "1"),
        WRONG_TYPE.format(path=f"{LISTS}.frequency[1].score", expected="an integer", value="1"),
    ),
    (
        "total range too wide",
        _set(("total_range", "max"), 30),
        BAD_TOTAL_RANGE.format(path=f"{S}: total_range", low=0, high=30, item_low=0, item_high=27),
    ),
    (
        "bands with a gap",
        _bands((0, 4), (6, 27)),
        BANDS_DO_NOT_TILE.format(
            path=f"{S}: bands", low=0, high=27, problem="band 'b1' covers 6-27 but must start at 5"
        ),
    ),
    (
        "overlapping bands",
        _bands((0, 4), (4, 27)),
        BANDS_DO_NOT_TILE.format(
            path=f"{S}: bands", low=0, high=27, problem="band 'b1' covers 4-27 but must start at 5"
        ),
    ),
    (
        "bands not starting at the minimum",
        _bands((1, 27)),
        BANDS_DO_NOT_TILE.format(
            path=f"{S}: bands", low=0, high=27, problem="band 'b0' covers 1-27 but must start at 0"
        ),
    ),
    (
        "band running backwards",
        _bands((0, 4), (5, 3), (4, 27)),
        BANDS_DO_NOT_TILE.format(
            path=f"{S}: bands", low=0, high=27, problem="band 'b1' covers 5-3 but must start at 5"
        ),
    ),
    (
        "bands short of the maximum",
        _bands((0, 4), (5, 26)),
        BANDS_DO_NOT_TILE.format(
            path=f"{S}: bands", low=0, high=27, problem="the last band ends at 26"
        ),
    ),
    (
        "bands beyond the maximum",
        _bands((0, 4), (5, 28)),
        BANDS_DO_NOT_TILE.format(
            path=f"{S}: bands", low=0, high=27, problem="the last band ends at 28"
        ),
    ),
    (
        "duplicate band code",
        _set(("bands", 1, "code"), "minimal"),
        DUPLICATE.format(path=f"{S}: bands[1].code", what="band code", value="minimal"),
    ),
    (
        "unknown comparator",
        _set(("caseness", "comparator"), "=>"),
        UNKNOWN_CHOICE.format(
            path=f"{S}: caseness.comparator", value="=>", choices=[">=", ">", "<=", "<"]
        ),
    ),
    (
        "caseness outside the total range",
        _set(("caseness", "value"), 28),
        THRESHOLD_OUT_OF_RANGE.format(path=f"{S}: caseness", value=28, low=0, high=27),
    ),
    (
        "reliable change with '<'",
        _set(("reliable_change", "comparator"), "<"),
        BAD_RELIABLE_CHANGE.format(path=f"{S}: reliable_change", comparator="<", value=6),
    ),
    (
        "reliable change of 0",
        _set(("reliable_change", "value"), 0),
        BAD_RELIABLE_CHANGE.format(path=f"{S}: reliable_change", comparator=">=", value=0),
    ),
    (
        "risk item for an unknown item",
        _set(("risk_items", 0, "item"), "q11"),
        UNKNOWN_RISK_ITEM.format(path=f"{S}: risk_items[0].item", value="q11"),
    ),
    (
        "risk item that can never fire",
        _risk(">=", 4),
        RISK_ITEM_NEVER_FIRES.format(path=f"{S}: risk_items[0]", key="q9"),
    ),
    (
        "risk items not a list",
        _set(("risk_items",), {"item": "q9"}),
        WRONG_TYPE.format(path=f"{S}: risk_items", expected="a list", value={"item": "q9"}),
    ),
    (
        "unknown scoring method",
        _set(("scoring", "method"), "mean"),
        UNKNOWN_CHOICE.format(path=f"{S}: scoring.method", value="mean", choices=["sum"]),
    ),
    (
        "pro-rating over every item",
        _set(("scoring", "prorating"), {"max_missing": 9}),
        BAD_PRORATING.format(path=f"{S}: scoring.prorating.max_missing", limit=8, value=9),
    ),
    (
        "unknown pro-rating key",
        _set(("scoring", "prorating"), {"max_missing": 1, "method": "mean"}),
        UNKNOWN_KEYS.format(path=f"{S}: scoring.prorating", keys="method"),
    ),
    (
        "LOINC code with a wrong check digit",
        _set(("loinc", "total"), "44261-7"),
        BAD_LOINC.format(path=f"{S}: loinc.total", value="44261-7"),
    ),
    (
        "item LOINC code with a wrong check digit",
        _set(("items", 8, "loinc"), "44260-9"),
        BAD_LOINC.format(path=f"{S}: items[8].loinc", value="44260-9"),
    ),
    (
        "malformed LOINC answer code",
        _set(("answer_lists", "frequency", 0, "loinc"), "LL358-3"),
        BAD_LOINC_ANSWER.format(path=f"{LISTS}.frequency[0].loinc", value="LL358-3"),
    ),
    (
        "notes not a list",
        _set(("notes",), "check codes"),
        WRONG_TYPE.format(path=f"{S}: notes", expected="a list", value="check codes"),
    ),
    (
        "empty definition",
        lambda data: data.clear(),
        MISSING_KEYS.format(
            path=S,
            keys="answer_lists, bands, caseness, code, copyright, instructions, items, loinc, "
            "notes, reliable_change, risk_items, scoring, timeframe, title, total_range, version",
        ),
    ),
]


@pytest.mark.parametrize(
    ("change", "message"),
    [pytest.param(change, message, id=name) for name, change, message in INVALID_DEFINITIONS],
)
def test_parse_instrument_rejects_invalid_definitions(change, message):
    data = _phq9_data()
    change(data)

    with pytest.raises(DefinitionError) as raised:
        parse_instrument(data, source=S)

    assert str(raised.value) == message


def test_parse_instrument_rejects_a_list_as_definition():
    with pytest.raises(DefinitionError) as raised:
        parse_instrument([], source=S)

    assert str(raised.value) == WRONG_TYPE.format(path=S, expected="an object", value=[])


def test_parse_instrument_accepts_a_prorating_rule():
    data = _phq9_data()
    data["scoring"]["prorating"] = {"max_missing": 1}

    assert parse_instrument(data).scoring == Scoring(ScoringMethod.SUM, Prorating(1))


def test_parse_instrument_does_not_modify_its_input():
    data = _phq9_data()
    before = copy.deepcopy(data)

    parse_instrument(data)

    assert data == before


def test_instruments_are_hashable_and_compare_by_value():
    assert parse_instrument(_phq9_data(), source=S) == get_instrument("PHQ-9")
    assert len({get_instrument("PHQ-9"), parse_instrument(_phq9_data())}) == 1


def test_every_band_label_fits_the_response_column():
    from patternwork.measures.definitions import load_all_versions
    from patternwork.measures.models import Response

    limit = Response._meta.get_field("band").max_length
    assert all(len(b.label) <= limit for i in load_all_versions() for b in i.bands)
