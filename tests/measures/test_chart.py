import re

import pytest

from patternwork.measures.chart import (
    ASSESSMENT,
    BAD_BANDS,
    BAD_POSITION,
    BAD_RANGE,
    BAD_RISK_POSITION,
    NO_SERIES,
    TOTAL_OUT_OF_RANGE,
    CasenessLine,
    PhaseBand,
    Point,
    ScoreBand,
    ScoreTick,
    Series,
    SessionTick,
    build_chart,
)
from patternwork.measures.definitions import Comparator, Threshold
from patternwork.treatment.plan import Phase, phase_bounds

GE = Comparator.GE
PHQ_CASENESS = Threshold(GE, 10)
GAD_CASENESS = Threshold(GE, 8)


def phq(scores=None, caseness=PHQ_CASENESS):
    return Series("PHQ-9", 0, 27, caseness, scores or {})


def gad(scores=None, caseness=GAD_CASENESS):
    return Series("GAD-7", 0, 21, caseness, scores or {})


WSAS_BANDS = ((0, 9), (10, 20), (21, 40))


def wsas(scores=None, bands=WSAS_BANDS):
    return Series("WSAS", 0, 40, None, scores or {}, bands)


def draw(planned=16, phq_scores=None, gad_scores=None, risk=()):
    return build_chart(
        series=[phq(phq_scores), gad(gad_scores)], phases=phase_bounds(planned), risk=risk
    )


def test_chart_without_scores_is_empty_but_laid_out_for_the_plan():
    chart = draw(16)

    assert chart.empty
    assert (chart.view_box, chart.width, chart.height) == ("0 0 720 372", 720, 372)
    assert (chart.first_position, chart.last_position, chart.slot) == (1, 16, 40.0)
    assert (chart.plot_left, chart.plot_right, chart.plot_bottom, chart.plot_centre) == (
        56,
        696,
        328,
        376.0,
    )
    assert chart.bands == (
        PhaseBand(Phase.INITIAL, 1, 4, 56.0, 160.0, 136.0, True),
        PhaseBand(Phase.MIDDLE, 5, 12, 216.0, 320.0, 376.0, True),
        PhaseBand(Phase.ENDING, 13, 16, 536.0, 160.0, 616.0, True),
    )
    assert [(p.code, p.points, p.lines) for p in chart.panels] == [
        ("PHQ-9", (), ()),
        ("GAD-7", (), ()),
    ]
    assert chart.risk == ()
    assert [(t.position, t.x, t.labelled) for t in chart.sessions[:3]] == [
        (1, 76.0, True),
        (2, 116.0, True),
        (3, 156.0, True),
    ]
    assert chart.sessions[-1] == SessionTick(16, 676.0, True)
    assert not chart.has_assessment


def test_panels_stack_on_their_own_scales_at_five_units_a_point():
    phq_panel, gad_panel = draw(16).panels

    assert (phq_panel.top, phq_panel.bottom, phq_panel.label_y, phq_panel.shape) == (
        64,
        199,
        56,
        "circle",
    )
    assert (gad_panel.top, gad_panel.bottom, gad_panel.label_y, gad_panel.shape) == (
        223,
        328,
        215,
        "square",
    )
    assert phq_panel.ticks == (
        ScoreTick(0, 199),
        ScoreTick(5, 174),
        ScoreTick(10, 149),
        ScoreTick(15, 124),
        ScoreTick(20, 99),
        ScoreTick(25, 74),
    )
    assert gad_panel.ticks == (
        ScoreTick(0, 328),
        ScoreTick(5, 303),
        ScoreTick(10, 278),
        ScoreTick(15, 253),
        ScoreTick(20, 228),
    )


def test_a_banded_instrument_stacks_below_with_a_line_and_label_per_band():
    chart = build_chart(
        series=[phq(), gad(), wsas({1: 24, 10: 15})], phases=phase_bounds(16), risk=()
    )
    panel = chart.panels[2]

    assert (panel.top, panel.bottom, panel.label_y, panel.shape) == (352, 552, 344, "diamond")
    assert (chart.height, chart.plot_bottom) == (596, 552)
    assert panel.caseness is None
    assert panel.bands == (
        ScoreBand(0, 9, None, 692, 527),
        ScoreBand(10, 20, 502, 692, 474.5),
        ScoreBand(21, 40, 447, 692, 399.5),
    )
    assert [(p.position, p.total, p.x, p.y) for p in panel.points] == [
        (1, 24, 76.0, 432),
        (10, 15, 436.0, 477),
    ]
    assert panel.lines == ()
    assert [p.bands for p in chart.panels[:2]] == [(), ()]


def test_caseness_lines_sit_at_each_instruments_threshold():
    phq_panel, gad_panel = draw(16).panels

    assert phq_panel.caseness == CasenessLine(GE, 10, 149)
    assert gad_panel.caseness == CasenessLine(GE, 8, 288)
    assert (phq_panel.caseness.symbol, gad_panel.caseness.symbol) == ("≥", "≥")


@pytest.mark.parametrize(
    ("comparator", "symbol"),
    [(Comparator.GE, "≥"), (Comparator.GT, ">"), (Comparator.LE, "≤"), (Comparator.LT, "<")],
)
def test_caseness_symbol_follows_the_comparator(comparator, symbol):
    chart = build_chart(series=[phq(caseness=Threshold(comparator, 12))], phases=phase_bounds(8))

    assert chart.panels[0].caseness == CasenessLine(comparator, 12, 139)
    assert chart.panels[0].caseness.symbol == symbol


def test_instrument_without_caseness_has_no_line():
    chart = build_chart(series=[phq(caseness=None)], phases=phase_bounds(8))

    assert chart.panels[0].caseness is None


def test_one_point_is_a_point_without_a_line():
    chart = draw(8, phq_scores={1: 18})
    panel = chart.panels[0]

    assert not chart.empty
    assert panel.points == (Point(1, 18, 96.0, 109),)
    assert panel.lines == ()
    assert panel.first == panel.last == Point(1, 18, 96.0, 109)
    assert chart.panels[1].first is None


def test_two_sessions_are_joined_by_one_line():
    panel = draw(8, phq_scores={1: 18, 2: 15}).panels[0]

    assert panel.points == (Point(1, 18, 96.0, 109), Point(2, 15, 176.0, 124))
    assert panel.lines == ("96,109 176,124",)


def test_a_session_without_the_measure_breaks_its_line():
    chart = draw(8, phq_scores={1: 18, 2: 15, 4: 7, 5: 6}, gad_scores={1: 12, 3: 9, 4: 8, 5: 5})
    phq_panel, gad_panel = chart.panels

    assert phq_panel.lines == ("96,109 176,124", "336,164 416,169")
    assert gad_panel.lines == ("256,283 336,288 416,303",)
    assert [p.position for p in gad_panel.points] == [1, 3, 4, 5]
    assert (gad_panel.first.total, gad_panel.last.total) == (12, 5)


def test_points_are_in_session_order_whatever_the_input_order():
    panel = draw(8, phq_scores={3: 9, 1: 18, 2: 12}).panels[0]

    assert [(p.position, p.total) for p in panel.points] == [(1, 18), (2, 12), (3, 9)]
    assert panel.lines == ("96,109 176,139 256,154",)


def test_extremes_of_the_range_sit_on_the_panel_edges():
    phq_panel, gad_panel = draw(8, phq_scores={1: 0, 2: 27}, gad_scores={1: 21, 2: 0}).panels

    assert [p.y for p in phq_panel.points] == [199, 64]
    assert [p.y for p in gad_panel.points] == [223, 328]


def test_risk_markers_are_triangles_in_their_own_lane():
    chart = draw(16, phq_scores={3: 12}, risk=[4, 3, 3])

    assert [(m.position, m.x, m.shape) for m in chart.risk] == [
        (3, 156.0, "156,22 163,36 149,36"),
        (4, 196.0, "196,22 203,36 189,36"),
    ]
    assert (chart.risk_top, chart.risk_height, chart.risk_label_y) == (18, 22, 33.0)


def test_risk_marker_alone_makes_the_chart_not_empty():
    chart = draw(16, risk=[2])

    assert not chart.empty
    assert [m.position for m in chart.risk] == [2]


def test_sessions_past_the_plan_get_an_over_plan_band():
    chart = draw(8, phq_scores={8: 9, 9: 8, 10: 7}, risk=[10])

    assert (chart.first_position, chart.last_position, chart.slot) == (1, 10, 64.0)
    assert chart.bands == (
        PhaseBand(Phase.INITIAL, 1, 2, 56.0, 128.0, 120.0, True),
        PhaseBand(Phase.MIDDLE, 3, 6, 184.0, 256.0, 312.0, True),
        PhaseBand(Phase.ENDING, 7, 8, 440.0, 128.0, 504.0, True),
        PhaseBand(Phase.OVER_PLAN, 9, 10, 568.0, 128.0, 632.0, True),
    )
    assert chart.panels[0].lines == ("536,154 600,159 664,164",)
    assert [m.x for m in chart.risk] == [664.0]


def test_a_narrow_band_is_drawn_without_a_label():
    chart = draw(16, phq_scores={17: 9})

    over_plan = chart.bands[-1]
    assert over_plan == PhaseBand(Phase.OVER_PLAN, 17, 17, 658.35, 37.65, 677.17, False)


def test_thirty_sessions_are_all_labelled_and_joined():
    scores = {n: 27 - n % 28 for n in range(1, 31)}
    chart = draw(30, phq_scores=scores)
    panel = chart.panels[0]

    assert (chart.slot, len(chart.sessions)) == (21.33, 30)
    assert all(tick.labelled for tick in chart.sessions)
    assert (panel.points[0].x, panel.points[-1].x) == (66.67, 685.33)
    assert len(panel.lines) == 1
    assert panel.lines[0].startswith("66.67,69 88,74 109.33,79 ")
    assert panel.lines[0].endswith(" 642.67,64 664,69 685.33,74")
    assert [b.labelled for b in chart.bands] == [True, True, True]
    assert [(b.first, b.last) for b in chart.bands] == [(1, 8), (9, 22), (23, 30)]


def test_past_thirty_slots_every_other_session_is_labelled():
    chart = draw(30, phq_scores={32: 5})

    assert len(chart.sessions) == 32
    assert [t.position for t in chart.sessions if t.labelled] == list(range(1, 33, 2))
    assert chart.bands[-1].phase == Phase.OVER_PLAN
    assert not chart.bands[-1].labelled


def test_an_assessment_score_gets_a_slot_before_session_one():
    chart = draw(8, phq_scores={ASSESSMENT: 20, 1: 18}, gad_scores={1: 12})

    assert chart.has_assessment
    assert (chart.first_position, chart.last_position, chart.slot) == (0, 8, 71.11)
    assert chart.sessions[0] == SessionTick(ASSESSMENT, 91.56, True)
    assert chart.sessions[0].assessment
    assert chart.panels[0].points == (Point(0, 20, 91.56, 99), Point(1, 18, 162.67, 109))
    assert chart.panels[0].lines == ("91.56,99 162.67,109",)
    assert chart.bands[0] == PhaseBand(Phase.INITIAL, 1, 2, 127.11, 142.22, 198.22, True)


def test_a_risk_answer_at_assessment_also_opens_the_assessment_slot():
    chart = draw(8, risk=[ASSESSMENT])

    assert chart.has_assessment
    assert [m.position for m in chart.risk] == [ASSESSMENT]


@pytest.mark.parametrize("planned", range(8, 31))
def test_every_plan_length_keeps_every_mark_inside_its_area(planned):
    full = {n: n % 28 for n in range(1, planned + 1)}
    chart = draw(planned, phq_scores=full, gad_scores={n: n % 22 for n in full}, risk=full)

    for panel in chart.panels:
        assert all(56 < p.x < 696 and panel.top <= p.y <= panel.bottom for p in panel.points)
        assert len(panel.lines) == 1
    assert all(56 < marker.x < 696 for marker in chart.risk)
    assert chart.bands[0].x == 56.0
    assert round(sum(band.width for band in chart.bands), 1) == 640.0
    assert [b.phase for b in chart.bands] == [Phase.INITIAL, Phase.MIDDLE, Phase.ENDING]


@pytest.mark.parametrize(
    ("series", "risk", "message"),
    [
        ([], (), NO_SERIES),
        ([Series("X", 5, 5, None, {})], (), BAD_RANGE.format(code="X", low=5, high=5)),
        (
            [phq({1: 28})],
            (),
            TOTAL_OUT_OF_RANGE.format(code="PHQ-9", total=28, position=1, low=0, high=27),
        ),
        (
            [phq({1: -1})],
            (),
            TOTAL_OUT_OF_RANGE.format(code="PHQ-9", total=-1, position=1, low=0, high=27),
        ),
        ([phq({-1: 5})], (), BAD_POSITION.format(code="PHQ-9", position=-1)),
        ([phq({True: 5})], (), BAD_POSITION.format(code="PHQ-9", position=True)),
        ([phq()], (-2,), BAD_RISK_POSITION.format(position=-2)),
        (
            [wsas(bands=((0, 9), (11, 40)))],
            (),
            BAD_BANDS.format(code="WSAS", low=0, high=40, bands=((0, 9), (11, 40))),
        ),
        (
            [wsas(bands=((0, 9), (10, 39)))],
            (),
            BAD_BANDS.format(code="WSAS", low=0, high=40, bands=((0, 9), (10, 39))),
        ),
        (
            [wsas(bands=((0, 20), (10, 40)))],
            (),
            BAD_BANDS.format(code="WSAS", low=0, high=40, bands=((0, 20), (10, 40))),
        ),
        (
            [wsas(bands=((0, 40), (41, 40)))],
            (),
            BAD_BANDS.format(code="WSAS", low=0, high=40, bands=((0, 40), (41, 40))),
        ),
    ],
)
def test_impossible_input_is_refused_with_a_message(series, risk, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        build_chart(series=series, phases=phase_bounds(16), risk=risk)
