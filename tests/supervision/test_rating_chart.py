import pytest

from patternwork.supervision import rating_chart

DOMAINS = ["generic", "meta", "dit_phase"]


def test_no_ratings_no_chart():
    assert rating_chart.build_chart([], DOMAINS) is None


def test_one_rating_sits_in_the_middle():
    chart = rating_chart.build_chart([("2 Mar", {"generic": 3.0})], DOMAINS)
    # Plot 36..464 wide, 12..172 high: x = 36 + 428 / 2; y = 12 + 160 * (1 - 3 / 6).
    assert [(p.x, p.y, p.value) for p in chart.lines[0].points] == [(250.0, 92.0, 3.0)]
    assert chart.lines[0].runs == ()
    assert chart.competent_y == 92.0
    assert [t.label for t in chart.ticks] == ["2 Mar"]


def test_lines_follow_the_domain_order_and_break_at_gaps():
    chart = rating_chart.build_chart(
        [
            ("2 Mar", {"generic": 6, "meta": 0}),
            ("9 Mar", {"meta": 1.5}),
            ("16 Mar", {"generic": 4.5, "meta": 3}),
        ],
        DOMAINS,
    )
    generic, meta = chart.lines
    assert (generic.domain, generic.shape) == ("generic", "circle")
    assert (meta.domain, meta.shape) == ("meta", "square")
    # x: 36, 250, 464; y = 12 + 160 * (1 - v / 6).
    assert [(p.x, p.y) for p in generic.points] == [(36.0, 12.0), (464.0, 52.0)]
    # Not rated in the second session: two single points, no joining line.
    assert generic.runs == ()
    assert meta.runs == ("36,172 250,132 464,92",)
    assert generic.points[0].marker == ""
    assert meta.points[0].marker == "32,168 40,168 40,176 32,176"
    assert chart.y_ticks == ((172.0, 0), (118.67, 2), (65.33, 4), (12.0, 6))


@pytest.mark.parametrize("value", [-0.5, 6.5, "4", True, None])
def test_out_of_scale_values_are_refused(value):
    with pytest.raises(ValueError, match="0 to 6"):
        rating_chart.build_chart([("2 Mar", {"generic": value})], DOMAINS)
