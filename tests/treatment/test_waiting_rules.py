import datetime as dt

import pytest

from patternwork.treatment import plan

UTC = dt.UTC
MADE = dt.datetime(2026, 4, 1, 11, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("first_session", "expected"),
    [
        # A session three weeks away: the full seven-day window.
        (MADE + dt.timedelta(weeks=3), MADE + dt.timedelta(days=7)),
        # A session five days away: answer by the day before it.
        (MADE + dt.timedelta(days=5), MADE + dt.timedelta(days=4)),
        # Exactly eight days away: the window and the notice meet.
        (MADE + dt.timedelta(days=8), MADE + dt.timedelta(days=7)),
    ],
)
def test_an_offer_must_be_answered_by_the_window_or_the_day_before_its_session(
    first_session, expected
):
    assert plan.respond_by(MADE, first_session) == expected


@pytest.mark.parametrize("hours_ahead", [24, 12, 1])
def test_an_offer_too_close_to_its_session_cannot_be_made(hours_ahead):
    with pytest.raises(ValueError, match="too soon"):
        plan.respond_by(MADE, MADE + dt.timedelta(hours=hours_ahead))


@pytest.mark.parametrize(
    ("now", "answered", "lapsed"),
    [
        (MADE + dt.timedelta(days=6, hours=23), False, False),
        (MADE + dt.timedelta(days=7), False, True),  # at the answer-by time itself
        (MADE + dt.timedelta(days=9), False, True),
        (MADE + dt.timedelta(days=9), True, False),  # an answered offer never lapses
    ],
)
def test_an_unanswered_offer_lapses_at_its_answer_by_time(now, answered, lapsed):
    deadline = MADE + dt.timedelta(days=7)

    assert plan.has_lapsed(respond_by=deadline, now=now, answered=answered) is lapsed


@pytest.mark.parametrize(
    ("days", "band"),
    [
        (0, plan.WaitBand.UNDER_FIRST),
        (41, plan.WaitBand.UNDER_FIRST),
        (42, plan.WaitBand.UNDER_SECOND),
        (125, plan.WaitBand.UNDER_SECOND),
        (126, plan.WaitBand.OVER_SECOND),
    ],
)
def test_the_wait_is_placed_against_the_six_and_eighteen_week_marks(days, band):
    referred = dt.date(2026, 1, 5)

    wait = plan.wait_so_far(referred, referred + dt.timedelta(days=days))

    assert (wait.days, wait.band) == (days, band)


@pytest.mark.parametrize(
    ("value", "valid"),
    [(0, True), (10, True), (11, False), (-1, False), (True, False), ("5", False)],
)
def test_rulers_take_whole_numbers_from_0_to_10(value, valid):
    assert plan.ruler_valid(value) is valid


def test_brief_relationships_are_read_one_person_a_line():
    text = "Mum: close: but critical\n  \nBrother\n: no name"

    assert plan.brief_relationships(text) == [("Mum", "close: but critical"), ("Brother", "")]


@pytest.mark.parametrize(
    ("occasion", "planned", "first_reached"),
    [
        (plan.Occasion.ASSESSMENT, 16, 0),
        (plan.Occasion.END_INITIAL, 16, 4),
        (plan.Occasion.END_MIDDLE, 16, 12),
        (plan.Occasion.ENDING, 16, 15),
        (plan.Occasion.END_INITIAL, 10, 3),
        (plan.Occasion.END_MIDDLE, 10, 7),
        (plan.Occasion.ENDING, 10, 9),
        (plan.Occasion.END_INITIAL, 8, 2),
        (plan.Occasion.ENDING, 8, 7),
    ],
)
def test_each_rating_occasion_is_reached_at_its_phase_end(occasion, planned, first_reached):
    assert plan.occasion_reached(occasion, first_reached, planned) is True
    if first_reached:
        assert plan.occasion_reached(occasion, first_reached - 1, planned) is False


def test_nothing_is_due_before_the_end_of_the_initial_phase():
    due = plan.ratings_due(attended=3, planned=16, readiness_at=set(), goal_ratings={1: set()})

    assert due == []


def test_readiness_and_unrated_goals_are_due_at_the_end_of_the_initial_phase():
    due = plan.ratings_due(
        attended=4,
        planned=16,
        readiness_at={"assessment"},
        goal_ratings={1: {"assessment", "end_initial"}, 2: {"assessment"}},
    )

    assert due == [plan.RatingDue(plan.Occasion.END_INITIAL, readiness=True, goals=(2,))]


def test_the_middle_phase_end_asks_only_for_goal_ratings():
    due = plan.ratings_due(
        attended=12,
        planned=16,
        readiness_at={"assessment", "end_initial"},
        goal_ratings={1: {"assessment", "end_initial"}},
    )

    assert due == [plan.RatingDue(plan.Occasion.END_MIDDLE, readiness=False, goals=(1,))]


def test_the_ending_is_due_from_the_penultimate_session_and_clears_once_recorded():
    every = {"assessment", "end_initial", "end_middle"}
    due = plan.ratings_due(attended=15, planned=16, readiness_at=every, goal_ratings={1: every})
    done = plan.ratings_due(
        attended=16,
        planned=16,
        readiness_at=every | {"ending"},
        goal_ratings={1: every | {"ending"}},
    )

    assert due == [plan.RatingDue(plan.Occasion.ENDING, readiness=True, goals=(1,))]
    assert done == []


def test_a_course_without_goals_is_asked_only_for_readiness():
    due = plan.ratings_due(attended=16, planned=16, readiness_at=set(), goal_ratings={})

    assert [d.occasion for d in due] == [plan.Occasion.END_INITIAL, plan.Occasion.ENDING]
    assert all(d.goals == () for d in due)
