from datetime import date, time, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from patternwork.treatment.plan import (
    FIRST_FUTURE_IN_PAST,
    LAST_PAST_IN_FUTURE,
    MAX_SESSIONS,
    MIN_SESSIONS,
    UNMARKED_INVALID,
    Cadence,
    PlanSettings,
    regenerate_future,
)

WEEK = timedelta(days=7)
# Easter Monday and the early May bank holiday 2025.
CLOSURES = frozenset({date(2025, 4, 21), date(2025, 5, 5)})


def _plan(**overrides):
    values = {"start_date": date(2025, 1, 6), "start_time": time(10, 0)}
    return PlanSettings(**{**values, **overrides})


PLAN_TODAY = date(2025, 2, 5)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, [date(2025, 2, 10) + WEEK * k for k in range(11)]),
        ({"planned_sessions": 20}, [date(2025, 2, 10) + WEEK * k for k in range(15)]),
        ({"planned_sessions": 12}, [date(2025, 2, 10) + WEEK * k for k in range(7)]),
        (
            {"cadence": "fortnightly"},
            [date(2025, 2, 10) + timedelta(days=14 * k) for k in range(11)],
        ),
        (
            {"start_time": time(16, 30), "session_minutes": 60},
            [date(2025, 2, 10) + WEEK * k for k in range(11)],
        ),
    ],
)
def test_regenerate_future_from_the_first_future_appointment(overrides, expected):
    # Five attended (6 Jan to 3 Feb); the next booked appointment is 10 Feb.
    dates = regenerate_future(
        settings=_plan(**overrides),
        attended=5,
        unmarked=0,
        first_future=date(2025, 2, 10),
        last_past=date(2025, 2, 3),
        today=PLAN_TODAY,
        closures=(),
    )

    assert dates == expected


def test_regenerate_future_more_sessions_ends_later():
    dates = regenerate_future(
        settings=_plan(planned_sessions=20),
        attended=5,
        unmarked=0,
        first_future=date(2025, 2, 10),
        last_past=date(2025, 2, 3),
        today=PLAN_TODAY,
        closures=(),
    )

    assert (len(dates), dates[-1]) == (15, date(2025, 5, 19))


def test_regenerate_future_other_cadence_ends_later():
    dates = regenerate_future(
        settings=_plan(cadence=Cadence.FORTNIGHTLY),
        attended=5,
        unmarked=0,
        first_future=date(2025, 2, 10),
        last_past=date(2025, 2, 3),
        today=PLAN_TODAY,
        closures=(),
    )

    assert (len(dates), dates[-1]) == (11, date(2025, 6, 30))


@pytest.mark.parametrize(("planned", "attended"), [(8, 8), (8, 10), (12, 13), (30, 31)])
def test_regenerate_future_plan_at_or_below_attended_gives_nothing(planned, attended):
    dates = regenerate_future(
        settings=_plan(planned_sessions=planned),
        attended=attended,
        unmarked=0,
        first_future=date(2025, 6, 2),
        last_past=date(2025, 5, 26),
        today=date(2025, 5, 28),
        closures=(),
    )

    assert dates == []


def test_regenerate_future_does_not_overbook_unmarked_appointments():
    # 3 Feb is past but not yet marked; it may still count as session 5.
    dates = regenerate_future(
        settings=_plan(),
        attended=4,
        unmarked=1,
        first_future=date(2025, 2, 10),
        last_past=date(2025, 2, 3),
        today=PLAN_TODAY,
        closures=(),
    )

    assert dates == [date(2025, 2, 10) + WEEK * k for k in range(11)]


@pytest.mark.parametrize(("planned", "attended", "unmarked"), [(8, 6, 2), (8, 6, 5), (8, 0, 9)])
def test_regenerate_future_unmarked_filling_the_plan_gives_nothing(planned, attended, unmarked):
    dates = regenerate_future(
        settings=_plan(planned_sessions=planned),
        attended=attended,
        unmarked=unmarked,
        first_future=None,
        last_past=date(2025, 2, 3),
        today=PLAN_TODAY,
        closures=(),
    )

    assert dates == []


@pytest.mark.parametrize(
    ("today", "first"),
    [
        (date(2025, 2, 3), date(2025, 2, 10)),
        (date(2025, 2, 5), date(2025, 2, 10)),
        (date(2025, 2, 10), date(2025, 2, 10)),
        (date(2025, 2, 19), date(2025, 2, 24)),
    ],
)
def test_regenerate_future_resumes_the_rhythm_after_the_last_past(today, first):
    dates = regenerate_future(
        settings=_plan(),
        attended=5,
        unmarked=0,
        first_future=None,
        last_past=date(2025, 2, 3),
        today=today,
        closures=(),
    )

    assert dates == [first + WEEK * k for k in range(11)]


@pytest.mark.parametrize(
    ("start", "today", "first"),
    [
        (date(2025, 1, 6), date(2025, 1, 1), date(2025, 1, 6)),
        (date(2025, 1, 6), date(2025, 1, 6), date(2025, 1, 6)),
        (date(2025, 1, 6), date(2025, 1, 15), date(2025, 1, 20)),
    ],
)
def test_regenerate_future_before_anything_happened_uses_start_date(start, today, first):
    dates = regenerate_future(
        settings=_plan(start_date=start, planned_sessions=8),
        attended=0,
        unmarked=0,
        first_future=None,
        last_past=None,
        today=today,
        closures=(),
    )

    assert dates == [first + WEEK * k for k in range(8)]


def test_regenerate_future_skips_closures():
    dates = regenerate_future(
        settings=_plan(planned_sessions=8),
        attended=4,
        unmarked=0,
        first_future=date(2025, 4, 14),
        last_past=date(2025, 4, 7),
        today=date(2025, 4, 9),
        closures=CLOSURES,
    )

    assert dates == [date(2025, 4, 14), date(2025, 4, 28), date(2025, 5, 12), date(2025, 5, 19)]


@pytest.mark.parametrize(
    ("first_future", "last_past", "unmarked", "message"),
    [
        (date(2025, 2, 4), None, 0, FIRST_FUTURE_IN_PAST),
        (None, date(2025, 2, 6), 0, LAST_PAST_IN_FUTURE),
        (None, None, -1, UNMARKED_INVALID),
    ],
)
def test_regenerate_future_rejects_inconsistent_inputs(first_future, last_past, unmarked, message):
    with pytest.raises(ValueError, match=r"must|cannot") as excinfo:
        regenerate_future(
            settings=_plan(),
            attended=0,
            unmarked=unmarked,
            first_future=first_future,
            last_past=last_past,
            today=PLAN_TODAY,
            closures=(),
        )

    assert str(excinfo.value) == message


@given(
    planned=st.integers(MIN_SESSIONS, MAX_SESSIONS),
    attended=st.integers(0, 35),
    unmarked=st.integers(0, 4),
    cadence=st.sampled_from(Cadence),
    future_in=st.none() | st.integers(0, 30),
    past_ago=st.none() | st.integers(0, 60),
    start_in=st.integers(-60, 60),
)
def test_regenerate_future_property(
    planned, attended, unmarked, cadence, future_in, past_ago, start_in
):
    today = date(2025, 6, 11)
    first_future = None if future_in is None else today + timedelta(days=future_in)
    last_past = None if past_ago is None else today - timedelta(days=past_ago)
    settings = _plan(
        planned_sessions=planned, cadence=cadence, start_date=today + timedelta(days=start_in)
    )

    dates = regenerate_future(
        settings=settings,
        attended=attended,
        unmarked=unmarked,
        first_future=first_future,
        last_past=last_past,
        today=today,
        closures=(),
    )

    assert len(dates) == max(planned - attended - unmarked, 0)
    assert all(d >= today for d in dates)
    assert {later - earlier for earlier, later in pairwise(dates)} <= {timedelta(days=cadence.days)}
    if dates and first_future is not None:
        assert dates[0] == first_future
    elif dates and last_past is not None:
        assert dates[0] > last_past
        assert (dates[0] - last_past).days % cadence.days == 0
