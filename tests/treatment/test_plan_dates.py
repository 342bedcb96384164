from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from patternwork.treatment.plan import (
    DATE_MESSAGES,
    DATE_PROBLEM_LABELS,
    SESSION_AFTER_END,
    SESSION_BEFORE_REFERRAL,
    START_BEFORE_REFERRAL,
    DateProblem,
    booking_in_past,
    date_problems,
    decode_problems,
    encode_problems,
    past_session_in_future,
)

RECEIVED = date(2026, 3, 2)
ENDED = date(2026, 6, 29)
DAY = timedelta(days=1)
START, BEFORE, AFTER = (
    DateProblem.START_BEFORE_REFERRAL,
    DateProblem.SESSION_BEFORE_REFERRAL,
    DateProblem.SESSION_AFTER_END,
)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (RECEIVED - DAY, (START,)),
        (RECEIVED, ()),
        (RECEIVED + DAY, ()),
        (date(2025, 12, 31), (START,)),
        (None, ()),
    ],
)
def test_course_start_against_the_referral(start, expected):
    assert date_problems(referral_received=RECEIVED, start=start) == expected


@pytest.mark.parametrize(
    ("session", "expected"),
    [
        (RECEIVED - DAY, (BEFORE,)),
        (RECEIVED, ()),
        (RECEIVED + DAY, ()),
        (ENDED - DAY, ()),
        (ENDED, ()),
        (ENDED + DAY, (AFTER,)),
    ],
)
def test_session_between_referral_and_end_inclusive(session, expected):
    assert date_problems(referral_received=RECEIVED, end=ENDED, sessions=[session]) == expected


def test_an_open_course_has_no_end_to_break():
    assert date_problems(referral_received=RECEIVED, sessions=[date(2030, 1, 1)]) == ()


def test_a_course_without_a_referral_has_no_referral_rule():
    problems = date_problems(
        referral_received=None, start=date(2000, 1, 3), end=ENDED, sessions=[date(2000, 1, 3)]
    )

    assert problems == ()


def test_every_problem_at_once_comes_in_a_fixed_order_once_each():
    problems = date_problems(
        referral_received=RECEIVED,
        start=RECEIVED - 7 * DAY,
        end=ENDED,
        sessions=[ENDED + DAY, RECEIVED - 7 * DAY, RECEIVED - DAY, ENDED + 7 * DAY],
    )

    assert problems == (START, BEFORE, AFTER)


def test_sessions_may_be_any_iterable():
    sessions = (RECEIVED + n * 7 * DAY for n in range(-1, 3))

    assert date_problems(referral_received=RECEIVED, sessions=sessions) == (BEFORE,)


def test_the_reported_case_a_first_session_a_week_before_the_referral():
    # The report once showed a wait of -7 days for this course, "seen within 6 weeks".
    problems = date_problems(
        referral_received=date(2025, 3, 10),
        start=date(2025, 3, 3),
        end=date(2025, 6, 16),
        sessions=[date(2025, 3, 3), date(2025, 3, 10)],
    )

    assert problems == (START, BEFORE)


@pytest.mark.parametrize(
    "arguments",
    [
        {"referral_received": datetime(2026, 3, 1, 23, 30, tzinfo=UTC)},
        {"referral_received": RECEIVED, "start": datetime(2026, 3, 2, 10, 0)},
        {"referral_received": RECEIVED, "end": datetime(2026, 6, 29, 17, 0, tzinfo=UTC)},
        {"referral_received": RECEIVED, "sessions": [RECEIVED, datetime(2026, 3, 9, 10, 0)]},
        {"referral_received": "2026-03-02"},
    ],
)
def test_date_times_are_refused_so_callers_pass_the_practices_local_day(arguments):
    # 23:30 UTC on 1 March is 2 March in a practice east of Greenwich: only the caller
    # knows the practice's time zone, so only a local date is accepted.
    with pytest.raises(TypeError, match="local dates"):
        date_problems(**arguments)


def test_every_problem_has_a_message_and_a_label():
    assert set(DATE_MESSAGES) == set(DATE_PROBLEM_LABELS) == set(DateProblem)
    assert DATE_MESSAGES[START] == START_BEFORE_REFERRAL
    assert DATE_MESSAGES[BEFORE] == SESSION_BEFORE_REFERRAL
    assert DATE_MESSAGES[AFTER] == SESSION_AFTER_END
    assert SESSION_AFTER_END.format(referral="x", end="29 June 2026") == (
        "A session cannot be dated after the day the course ended (29 June 2026)."
    )


@pytest.mark.parametrize(
    ("problems", "stored"),
    [
        ((), ""),
        ((START,), "start_before_referral"),
        ((START, BEFORE, AFTER), "start_before_referral,session_before_referral,session_after_end"),
    ],
)
def test_problems_are_stored_as_codes_and_read_back(problems, stored):
    assert encode_problems(problems) == stored
    assert decode_problems(stored) == problems


def test_an_unknown_stored_code_is_an_error():
    with pytest.raises(ValueError, match="nonsense"):
        decode_problems("nonsense")


NOW = datetime(2026, 4, 1, 11, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "booking", "recording"),
    [
        (NOW - timedelta(minutes=1), True, False),
        (NOW, False, False),
        (NOW + timedelta(minutes=1), False, True),
    ],
)
def test_booking_needs_a_time_to_come_and_recording_one_that_has_started(start, booking, recording):
    assert booking_in_past(start=start, now=NOW) is booking
    assert past_session_in_future(start=start, now=NOW) is recording


days = st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))


@given(
    received=st.none() | days,
    start=st.none() | days,
    end=st.none() | days,
    sessions=st.lists(days, max_size=6),
)
def test_problems_are_exactly_the_comparisons(received, start, end, sessions):
    problems = date_problems(referral_received=received, start=start, end=end, sessions=sessions)

    expected = {
        START: received is not None and start is not None and start < received,
        BEFORE: received is not None and any(day < received for day in sessions),
        AFTER: end is not None and any(day > end for day in sessions),
    }
    assert set(problems) == {problem for problem, broken in expected.items() if broken}
    assert list(problems) == sorted(problems, key=list(DateProblem).index)
