from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from patternwork.treatment.plan import (
    COUNT_INVALID,
    LAST_ATTENDED_REQUIRED,
    MAX_CONSECUTIVE_CLOSED_SLOTS,
    MAX_SESSIONS,
    NO_ANCHOR,
    TOO_MANY_CLOSED_SLOTS,
    Cadence,
    ClosureError,
    Projection,
    generate_dates,
    project_course,
)

# Sixteen weekly Mondays from 6 January 2025, written out by hand.
COURSE = [
    date(2025, 1, 6),
    date(2025, 1, 13),
    date(2025, 1, 20),
    date(2025, 1, 27),
    date(2025, 2, 3),
    date(2025, 2, 10),
    date(2025, 2, 17),
    date(2025, 2, 24),
    date(2025, 3, 3),
    date(2025, 3, 10),
    date(2025, 3, 17),
    date(2025, 3, 24),
    date(2025, 3, 31),
    date(2025, 4, 7),
    date(2025, 4, 14),
    date(2025, 4, 21),
]
UK_BANK_HOLIDAYS = frozenset(
    {
        date(2025, 1, 1),
        date(2025, 4, 18),
        date(2025, 4, 21),
        date(2025, 5, 5),
        date(2025, 5, 26),
        date(2025, 8, 25),
        date(2025, 12, 25),
        date(2025, 12, 26),
        date(2026, 1, 1),
    }
)
WEEK = timedelta(days=7)


def test_generate_dates_weekly_without_closures():
    dates = generate_dates(first=date(2025, 1, 6), count=16, cadence=Cadence.WEEKLY, closures=())

    assert dates == COURSE


def test_generate_dates_fortnightly():
    dates = generate_dates(first=date(2025, 1, 6), count=4, cadence="fortnightly", closures=[])

    assert dates == [date(2025, 1, 6), date(2025, 1, 20), date(2025, 2, 3), date(2025, 2, 17)]


def test_generate_dates_zero_count():
    assert generate_dates(first=date(2025, 1, 6), count=0, cadence="weekly", closures=()) == []


@pytest.mark.parametrize("count", [-1, 1.5, True, None])
def test_generate_dates_rejects_bad_count(count):
    with pytest.raises(ValueError, match="number of dates") as excinfo:
        generate_dates(first=date(2025, 1, 6), count=count, cadence="weekly", closures=())

    assert str(excinfo.value) == COUNT_INVALID


@pytest.mark.parametrize("count", [0, 2])
def test_generate_dates_rejects_unknown_cadence(count):
    with pytest.raises(ValueError, match="'monthly' is not a valid Cadence"):
        generate_dates(first=date(2025, 1, 6), count=count, cadence="monthly", closures=())


def test_project_course_rejects_unknown_cadence_even_without_shortfall():
    with pytest.raises(ValueError, match="'monthly' is not a valid Cadence"):
        project_course(planned=16, attended=0, booked=COURSE, cadence="monthly", closures=())


def test_generate_dates_skips_bank_holidays():
    # Easter Monday, the early May and the spring bank holiday all fall on Mondays.
    dates = generate_dates(
        first=date(2025, 4, 14), count=6, cadence="weekly", closures=UK_BANK_HOLIDAYS
    )

    assert dates == [
        date(2025, 4, 14),
        date(2025, 4, 28),
        date(2025, 5, 12),
        date(2025, 5, 19),
        date(2025, 6, 2),
        date(2025, 6, 9),
    ]


def test_generate_dates_skips_christmas_and_new_year_both_closed():
    # Christmas 2025 and New Year's Day 2026 are both Thursdays.
    dates = generate_dates(
        first=date(2025, 12, 11), count=4, cadence="weekly", closures=UK_BANK_HOLIDAYS
    )

    assert dates == [date(2025, 12, 11), date(2025, 12, 18), date(2026, 1, 8), date(2026, 1, 15)]


def test_generate_dates_skips_a_closed_first_day():
    dates = generate_dates(
        first=date(2025, 12, 25), count=2, cadence="weekly", closures=UK_BANK_HOLIDAYS
    )

    assert dates == [date(2026, 1, 8), date(2026, 1, 15)]


def test_generate_dates_fortnightly_ignores_closures_between_slots():
    dates = generate_dates(
        first=date(2025, 4, 14), count=3, cadence="fortnightly", closures=UK_BANK_HOLIDAYS
    )

    assert dates == [date(2025, 4, 14), date(2025, 4, 28), date(2025, 5, 12)]


def test_generate_dates_allows_the_longest_closed_run():
    closed = {date(2025, 1, 6) + WEEK * k for k in range(1, MAX_CONSECUTIVE_CLOSED_SLOTS + 1)}

    dates = generate_dates(first=date(2025, 1, 6), count=2, cadence="weekly", closures=closed)

    assert MAX_CONSECUTIVE_CLOSED_SLOTS == 8
    assert dates == [date(2025, 1, 6), date(2025, 3, 10)]


def test_generate_dates_refuses_one_closed_slot_too_many():
    closed = {date(2025, 1, 6) + WEEK * k for k in range(1, MAX_CONSECUTIVE_CLOSED_SLOTS + 2)}

    with pytest.raises(ClosureError, match="session slots in a row") as excinfo:
        generate_dates(first=date(2025, 1, 6), count=2, cadence="weekly", closures=closed)

    assert str(excinfo.value) == TOO_MANY_CLOSED_SLOTS


def test_generate_dates_refuses_endless_closures():
    every_day = {date(2025, 1, 1) + timedelta(days=k) for k in range(3 * 365)}

    with pytest.raises(ClosureError, match="session slots in a row"):
        generate_dates(first=date(2025, 1, 6), count=16, cadence="weekly", closures=every_day)


def test_generate_dates_counts_closed_runs_afresh_after_an_open_slot():
    # Two closed runs of the maximum length, split by one open slot, are both allowed.
    first = date(2025, 1, 6)
    closed = {first + WEEK * k for k in [*range(1, 9), *range(10, 18)]}

    dates = generate_dates(first=first, count=3, cadence="weekly", closures=closed)

    assert dates == [first, first + WEEK * 9, first + WEEK * 18]


@st.composite
def _date_series(draw):
    first = draw(st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)))
    cadence = draw(st.sampled_from(Cadence))
    offsets = st.integers(0, 80).map(lambda k: k * 7) | st.integers(0, 600)
    closures = {
        first + timedelta(days=offset)
        for offset in draw(st.sets(offsets, max_size=MAX_CONSECUTIVE_CLOSED_SLOTS))
    }
    count = draw(st.integers(0, MAX_SESSIONS))
    return first, count, cadence, closures


@given(_date_series())
def test_generate_dates_property(series):
    first, count, cadence, closures = series

    dates = generate_dates(first=first, count=count, cadence=cadence, closures=closures)

    assert len(dates) == count
    assert set(dates) & closures == set()
    assert {d.weekday() for d in dates} <= {first.weekday()}
    assert all((d - first).days % cadence.days == 0 for d in dates)
    assert dates == sorted(set(dates))
    assert all(d >= first for d in dates)


def test_project_course_on_track_from_the_start():
    projection = project_course(
        planned=16, attended=0, booked=COURSE, cadence="weekly", closures=()
    )

    assert projection == Projection(date(2025, 4, 21), 0, (), 0)


def test_project_course_on_track_mid_course():
    projection = project_course(
        planned=16, attended=5, booked=COURSE[5:], cadence="weekly", closures=()
    )

    assert projection == Projection(date(2025, 4, 21), 0, (), 0)


def test_project_course_did_not_attend_pushes_end_by_one_step():
    # Session 3's appointment was missed: two attended, thirteen still booked.
    projection = project_course(
        planned=16,
        attended=2,
        booked=COURSE[3:],
        cadence="weekly",
        closures=(),
        latest=COURSE[-1],
    )

    assert projection == Projection(date(2025, 4, 28), 1, (date(2025, 4, 28),), 0)


@pytest.mark.parametrize("cancelled", [0, 7, 15])
def test_project_course_client_cancellation_anywhere_needs_one_replacement(cancelled):
    booked = [d for i, d in enumerate(COURSE) if i != cancelled]

    projection = project_course(
        planned=16, attended=0, booked=booked, cadence="weekly", closures=(), latest=COURSE[-1]
    )

    assert projection == Projection(date(2025, 4, 28), 1, (date(2025, 4, 28),), 0)


def test_project_course_replacement_never_falls_on_a_cancelled_last_date():
    # The last appointment was cancelled; booked ends a week earlier than latest.
    projection = project_course(
        planned=16,
        attended=14,
        booked=COURSE[14:15],
        cadence="weekly",
        closures=(),
        latest=COURSE[15],
    )

    assert projection == Projection(date(2025, 4, 28), 1, (date(2025, 4, 28),), 0)


def test_project_course_cancellations_by_both_sides_need_two_replacements():
    booked = [d for i, d in enumerate(COURSE) if i not in (4, 9)]

    projection = project_course(
        planned=16, attended=0, booked=booked, cadence="weekly", closures=(), latest=COURSE[-1]
    )

    assert projection == Projection(date(2025, 5, 5), 2, (date(2025, 4, 28), date(2025, 5, 5)), 0)


def test_project_course_rebooked_replacement_restores_the_plan():
    booked = [*COURSE[3:], date(2025, 4, 28)]

    projection = project_course(
        planned=16, attended=2, booked=booked, cadence="weekly", closures=(), latest=COURSE[-1]
    )

    assert projection == Projection(date(2025, 4, 28), 0, (), 0)


def test_project_course_replacements_skip_closures():
    projection = project_course(
        planned=16,
        attended=2,
        booked=COURSE[3:],
        cadence="weekly",
        closures={date(2025, 4, 28), date(2025, 5, 5)},
        latest=COURSE[-1],
    )

    assert projection == Projection(date(2025, 5, 12), 1, (date(2025, 5, 12),), 0)


def test_project_course_fortnightly_replacement():
    fortnightly = generate_dates(
        first=date(2025, 1, 6), count=8, cadence="fortnightly", closures=()
    )

    projection = project_course(
        planned=8,
        attended=1,
        booked=fortnightly[2:],
        cadence="fortnightly",
        closures=(),
        latest=fortnightly[-1],
    )

    assert projection == Projection(date(2025, 4, 28), 1, (date(2025, 4, 28),), 0)


def test_project_course_moved_middle_appointment_keeps_the_end():
    booked = [*COURSE[:8], date(2025, 3, 5), *COURSE[9:]]

    projection = project_course(
        planned=16, attended=0, booked=booked, cadence="weekly", closures=()
    )

    assert projection == Projection(date(2025, 4, 21), 0, (), 0)


def test_project_course_moved_last_appointment_moves_the_end():
    booked = [*COURSE[:15], date(2025, 4, 23)]

    projection = project_course(
        planned=16, attended=0, booked=booked, cadence="weekly", closures=()
    )

    assert projection == Projection(date(2025, 4, 23), 0, (), 0)


def test_project_course_appointment_moved_past_the_last_becomes_the_end():
    booked = [*COURSE[:5], *COURSE[6:], date(2025, 4, 23)]

    projection = project_course(
        planned=16, attended=0, booked=booked, cadence="weekly", closures=()
    )

    assert projection == Projection(date(2025, 4, 23), 0, (), 0)


def test_project_course_replacement_follows_a_moved_last_appointment():
    booked = [*COURSE[3:15], date(2025, 4, 22)]

    projection = project_course(
        planned=16, attended=2, booked=booked, cadence="weekly", closures=(), latest=COURSE[-1]
    )

    assert projection == Projection(date(2025, 4, 29), 1, (date(2025, 4, 29),), 0)


def test_project_course_sorts_booked_dates():
    projection = project_course(
        planned=16, attended=0, booked=list(reversed(COURSE)), cadence="weekly", closures=()
    )

    assert projection == Projection(date(2025, 4, 21), 0, (), 0)


def test_project_course_counts_surplus_booked_appointments():
    projection = project_course(
        planned=12, attended=4, booked=COURSE[4:], cadence="weekly", closures=()
    )

    assert projection == Projection(date(2025, 3, 24), 0, (), 4)


@pytest.mark.parametrize(("attended", "surplus"), [(16, 0), (17, 0), (16, 2)])
def test_project_course_plan_met_ends_at_last_attended(attended, surplus):
    projection = project_course(
        planned=16,
        attended=attended,
        booked=[date(2025, 4, 28), date(2025, 5, 5)][:surplus],
        cadence="weekly",
        closures=(),
        last_attended=date(2025, 4, 21),
    )

    assert projection == Projection(date(2025, 4, 21), 0, (), surplus)


def test_project_course_plan_met_needs_last_attended():
    with pytest.raises(ValueError, match="last attended session") as excinfo:
        project_course(planned=16, attended=16, booked=(), cadence="weekly", closures=())

    assert str(excinfo.value) == LAST_ATTENDED_REQUIRED


def test_project_course_needs_something_to_follow():
    with pytest.raises(ValueError, match="Replacement dates need") as excinfo:
        project_course(planned=16, attended=0, booked=(), cadence="weekly", closures=())

    assert str(excinfo.value) == NO_ANCHOR


def test_project_course_replacements_not_before_today():
    # The course lapsed after 14 April; replacements resume on the rhythm from today.
    projection = project_course(
        planned=16,
        attended=14,
        booked=(),
        cadence="weekly",
        closures=UK_BANK_HOLIDAYS,
        latest=date(2025, 4, 14),
        today=date(2025, 5, 1),
    )

    assert projection == Projection(date(2025, 5, 19), 2, (date(2025, 5, 12), date(2025, 5, 19)), 0)


@pytest.mark.parametrize(
    ("planned", "attended", "message"),
    [(7, 0, "Planned sessions must be"), (16, -1, "Attended sessions must be")],
)
def test_project_course_rejects_bad_numbers(planned, attended, message):
    with pytest.raises(ValueError, match=message):
        project_course(
            planned=planned, attended=attended, booked=COURSE, cadence="weekly", closures=()
        )


@given(
    st.lists(st.sampled_from(["attended", "dna", "cancelled"]), min_size=0, max_size=16),
)
def test_project_course_each_missed_session_adds_one_week_property(past):
    attended = past.count("attended")
    missed = len(past) - attended
    last_attended = max((COURSE[i] for i, s in enumerate(past) if s == "attended"), default=None)

    projection = project_course(
        planned=16,
        attended=attended,
        booked=COURSE[len(past) :],
        cadence="weekly",
        closures=(),
        latest=COURSE[-1],
        last_attended=last_attended,
    )

    if attended == 16:
        assert projection == Projection(COURSE[-1], 0, (), 0)
    else:
        assert (projection.end_date, projection.shortfall) == (COURSE[-1] + WEEK * missed, missed)
