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
