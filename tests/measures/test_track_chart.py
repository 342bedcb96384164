from patternwork.measures.expected_change import Expected
from patternwork.measures.track_chart import _fmt, track_svg


def _svg(on_track):
    return track_svg(
        scores=[(1, 18), (2, 20), (3, 22)],
        expected=[Expected(2, 10.0, 18.0, 14.0), Expected(3, 9.0, 17.0, 13.0)],
        top=27,
        last_session=16,
        on_track=on_track,
        title="PHQ-9 <by session>",
        description="PHQ-9 22 at session 3",
    )


def test_track_svg_draws_band_median_and_the_clients_line():
    svg = _svg(on_track=False)
    # x: 30 + (s - 1) x 280 / 15; y: 10 + 126 - v x 126 / 27
    assert 'points="48.7,52 67.3,56.7 67.3,94 48.7,89.3"' in svg
    assert 'class="track-chart__median" points="48.7,70.7 67.3,75.3"' in svg
    assert 'class="track-chart__line" points="30,52 48.7,42.7 67.3,33.3"' in svg
    assert "PHQ-9 &lt;by session&gt;" in svg


def test_track_svg_marks_an_off_track_latest_score_with_a_square():
    assert "track-chart__latest--off" in _svg(on_track=False)
    assert "track-chart__latest--off" not in _svg(on_track=True)


def test_coordinates_are_rounded_as_round_to_one_place_writes_them():
    values = [n / 20 for n in range(-400, 4000)] + [n / 100 + 0.005 for n in range(-300, 3000)]
    for value in values:
        text = f"{round(value, 1):.1f}"
        assert _fmt(value) == (text[:-2] if text.endswith(".0") else text)
