"""The Goal-Based Outcomes chart's layout (a pure module: no database)."""

import pytest

from patternwork.treatment import goal_chart as gc

OCCASIONS = ("Assessment", "End of initial", "End of middle", "Last session")


def chart(*ratings):
    return gc.goal_chart(list(ratings), OCCASIONS)


def test_occasions_are_evenly_spaced_with_half_a_step_at_each_end():
    columns = chart([1, None, None, None]).columns

    assert [c.label for c in columns] == list(OCCASIONS)
    assert [c.x for c in columns] == [92.5, 197.5, 302.5, 407.5]


@pytest.mark.parametrize(
    ("score", "y"), [(0, gc.PLOT_BOTTOM), (10, gc.PLOT_TOP), (5, 97.0), (3, 130.2)]
)
def test_the_scale_runs_from_0_at_the_bottom_to_10_at_the_top(score, y):
    assert gc.y_of(score) == y


def test_ticks_mark_every_second_point_of_the_scale():
    assert [t.value for t in chart([1, 2, 3, 4]).ticks] == [0, 2, 4, 6, 8, 10]


def test_each_goal_has_its_own_shape_and_is_nudged_apart_at_the_same_occasion():
    goals = chart([5, None, None, None], [5, None, None, None], [5, None, None, None]).goals

    assert [g.shape for g in goals] == ["circle", "square", "diamond"]
    assert [g.markers[0].x for g in goals] == [85.5, 92.5, 99.5]
    assert len({g.markers[0].path for g in goals}) == 3
    assert all(g.markers[0].y == 97.0 for g in goals)


@pytest.mark.parametrize(
    ("shape", "start"),
    [("circle", "M 95.0 50.0 a 5"), ("square", "M 95.0 45.0 h 10"), ("diamond", "M 100.0 44.0 L")],
)
def test_every_marker_path_starts_beside_its_point_and_is_closed(shape, start):
    path = gc.marker_path(shape, 100.0, 50.0)

    assert path.startswith(start)
    assert path.endswith(" Z")


def test_consecutive_ratings_are_joined_and_a_missing_occasion_breaks_the_line():
    goal = chart([2, 4, None, 7]).goals[0]

    assert [m.score for m in goal.markers] == [2, 4, 7]
    assert goal.segments == ("85.5,146.8 190.5,113.6",)
    assert [m.occasion for m in goal.markers] == ["Assessment", "End of initial", "Last session"]


def test_an_unbroken_run_of_ratings_is_one_line():
    goal = chart([1, 3, 6, 8]).goals[1 - 1]

    assert len(goal.segments) == 1
    assert len(goal.segments[0].split()) == 4


def test_a_single_rating_is_a_marker_without_a_line():
    goal = chart([None, None, 4, None]).goals[0]

    assert (len(goal.markers), goal.segments) == (1, ())


@pytest.mark.parametrize(
    ("scores", "first", "latest", "change"),
    [
        ([2, 4, None, 7], 2, 7, 5),
        ([6, 3, None, None], 6, 3, -3),  # a goal can move away too
        ([None, 5, 5, None], 5, 5, 0),
        ([None, None, 4, None], 4, 4, None),  # one rating is no change yet
        ([None, None, None, None], None, None, None),
    ],
)
def test_change_is_the_latest_rating_minus_the_first(scores, first, latest, change):
    goal = chart(scores).goals[0]

    assert (goal.first, goal.latest, goal.change) == (first, latest, change)


def test_a_chart_without_ratings_is_empty():
    assert chart([None, None, None, None]).empty is True
    assert chart([None, None, None, None], [None, 0, None, None]).empty is False
    assert gc.goal_chart([], OCCASIONS).empty is True


def test_the_view_box_and_labels_fit_inside_the_chart():
    drawn = chart([10, 0, 10, 0])

    assert drawn.view_box == f"0 0 {gc.WIDTH} {gc.HEIGHT}"
    assert drawn.label_y < gc.HEIGHT
    for marker in drawn.goals[0].markers:
        assert gc.PLOT_LEFT < marker.x < gc.PLOT_RIGHT
        assert gc.PLOT_TOP <= marker.y <= gc.PLOT_BOTTOM


@pytest.mark.parametrize(
    ("ratings", "occasions", "message"),
    [
        ([[1, 1, 1, 1]] * 4, OCCASIONS, "at most three goals"),
        ([[1, 1, 1]], OCCASIONS, "Goal 1 has 3 ratings for 4 occasions"),
        ([[1, 1, 1, 1]], (), "at least one occasion"),
        ([[11, None, None, None]], OCCASIONS, "Goal 1: rating 11"),
        ([[None, -1, None, None]], OCCASIONS, "rating -1"),
        ([[None, None, None, None], [2.5, None, None, None]], OCCASIONS, "Goal 2: rating 2.5"),
        ([[True, None, None, None]], OCCASIONS, "rating True"),
        ([["7", None, None, None]], OCCASIONS, "rating '7'"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(ratings, occasions, message):
    with pytest.raises(ValueError, match=message):
        gc.goal_chart(ratings, occasions)
