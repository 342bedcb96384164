from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from patternwork.messaging import timing

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")


def local(zone, *args, fold=0):
    return datetime(*args, tzinfo=zone, fold=fold)


@pytest.mark.parametrize(
    ("start", "lead", "expected"),
    [
        # An ordinary week in winter and in summer: the same wall time the day before.
        ((2026, 1, 14, 10, 0), 24, (2026, 1, 13, 10, 0)),
        ((2026, 7, 14, 10, 0), 24, (2026, 7, 13, 10, 0)),
        # Clocks go forward at 01:00 on Sunday 29 March 2026: Sunday 10:00 BST gets its
        # reminder on Saturday 10:00 GMT (23 real hours before); Monday is an ordinary day.
        ((2026, 3, 30, 10, 0), 24, (2026, 3, 29, 10, 0)),
        ((2026, 3, 29, 10, 0), 24, (2026, 3, 28, 10, 0)),
        # Clocks go back at 02:00 on Sunday 25 October 2026: Sunday 10:00 GMT, reminder
        # Saturday 10:00 BST, 25 real hours before.
        ((2026, 10, 26, 10, 0), 24, (2026, 10, 25, 10, 0)),
        ((2026, 10, 25, 10, 0), 24, (2026, 10, 24, 10, 0)),
        # Two days' lead across the change.
        ((2026, 3, 30, 9, 30), 48, (2026, 3, 28, 9, 30)),
        ((2026, 10, 27, 18, 0), 72, (2026, 10, 24, 18, 0)),
        # Hours beyond whole days are real hours, taken after the days.
        ((2026, 1, 19, 10, 0), 30, (2026, 1, 18, 4, 0)),
        ((2026, 1, 14, 10, 0), 2, (2026, 1, 14, 8, 0)),
        # Two real hours before 03:00 BST on the spring-forward morning is 00:00 GMT.
        ((2026, 3, 29, 3, 0), 2, (2026, 3, 29, 0, 0)),
        # Across midnight at the year's end.
        ((2027, 1, 1, 9, 0), 24, (2026, 12, 31, 9, 0)),
    ],
)
def test_reminder_send_time_keeps_the_wall_clock_in_london(start, lead, expected):
    sent = timing.reminder_send_time(starts_at=local(LONDON, *start), zone=LONDON, lead_hours=lead)
    assert sent == local(LONDON, *expected)
    assert sent.tzinfo == UTC


def test_reminder_send_time_across_spring_forward_is_23_real_hours():
    start = local(LONDON, 2026, 3, 29, 10, 0)
    sent = timing.reminder_send_time(starts_at=start, zone=LONDON, lead_hours=24)
    assert start - sent == timedelta(hours=23)


def test_reminder_send_time_across_fall_back_is_25_real_hours():
    start = local(LONDON, 2026, 10, 25, 10, 0)
    sent = timing.reminder_send_time(starts_at=start, zone=LONDON, lead_hours=24)
    assert start - sent == timedelta(hours=25)


def test_reminder_send_time_in_the_spring_gap_lands_after_the_gap():
    # 01:30 on 29 March 2026 never happens in London; the reminder goes at 02:30 BST.
    start = local(LONDON, 2026, 3, 30, 1, 30)
    sent = timing.reminder_send_time(starts_at=start, zone=LONDON, lead_hours=24)
    assert sent == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert sent.astimezone(LONDON).replace(tzinfo=None) == datetime(2026, 3, 29, 2, 30)


def test_reminder_send_time_in_the_autumn_overlap_takes_the_first_occurrence():
    # 01:30 on 25 October 2026 happens twice; the earlier (BST) one is chosen.
    start = local(LONDON, 2026, 10, 26, 1, 30)
    sent = timing.reminder_send_time(starts_at=start, zone=LONDON, lead_hours=24)
    assert sent == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_reminder_send_time_for_an_appointment_in_the_overlap_itself():
    second = local(LONDON, 2026, 10, 25, 1, 30, fold=1)  # 01:30 GMT, after the change
    sent = timing.reminder_send_time(starts_at=second, zone=LONDON, lead_hours=24)
    assert sent == local(LONDON, 2026, 10, 24, 1, 30)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        # US clocks change on other dates (8 March and 1 November 2026).
        ((2026, 3, 9, 10, 0), (2026, 3, 8, 10, 0)),
        ((2026, 11, 2, 10, 0), (2026, 11, 1, 10, 0)),
        # 30 March is an ordinary day in New York.
        ((2026, 3, 30, 10, 0), (2026, 3, 29, 10, 0)),
    ],
)
def test_reminder_send_time_follows_the_practice_zone(start, expected):
    sent = timing.reminder_send_time(
        starts_at=local(NEW_YORK, *start), zone=NEW_YORK, lead_hours=24
    )
    assert sent == local(NEW_YORK, *expected)


def test_reminder_send_time_reads_the_start_in_the_practice_zone():
    # The same instant, given in UTC, is still "10:00 local" for a London practice.
    start = datetime(2026, 7, 14, 9, 0, tzinfo=UTC)
    sent = timing.reminder_send_time(starts_at=start, zone=LONDON, lead_hours=24)
    assert sent == local(LONDON, 2026, 7, 13, 10, 0)


@pytest.mark.parametrize("lead", [0, -1, timing.MAX_LEAD_HOURS + 1])
def test_reminder_send_time_refuses_a_lead_out_of_range(lead):
    with pytest.raises(ValueError, match="lead_hours"):
        timing.reminder_send_time(
            starts_at=local(LONDON, 2026, 1, 14, 10), zone=LONDON, lead_hours=lead
        )


def test_reminder_send_time_refuses_a_naive_start():
    with pytest.raises(ValueError, match="aware"):
        timing.reminder_send_time(starts_at=datetime(2026, 1, 14, 10), zone=LONDON, lead_hours=24)


def test_reminder_due_at_is_the_send_time_when_still_ahead():
    now = local(LONDON, 2026, 1, 12, 9, 0)
    due = timing.reminder_due_at(
        starts_at=local(LONDON, 2026, 1, 14, 10), zone=LONDON, lead_hours=24, now=now
    )
    assert due == local(LONDON, 2026, 1, 13, 10)


def test_reminder_due_at_is_now_for_a_booking_inside_the_lead_time():
    now = local(LONDON, 2026, 1, 13, 22, 0)
    due = timing.reminder_due_at(
        starts_at=local(LONDON, 2026, 1, 14, 10), zone=LONDON, lead_hours=24, now=now
    )
    assert due == now


@pytest.mark.parametrize("minutes_after_start", [0, 1, 60 * 24])
def test_reminder_due_at_is_none_once_the_appointment_has_started(minutes_after_start):
    start = local(LONDON, 2026, 1, 14, 10)
    now = start + timedelta(minutes=minutes_after_start)
    assert timing.reminder_due_at(starts_at=start, zone=LONDON, lead_hours=24, now=now) is None


@pytest.mark.parametrize(
    ("attempts", "delay"),
    [
        (1, timedelta(minutes=1)),
        (2, timedelta(minutes=2)),
        (3, timedelta(minutes=4)),
        (4, timedelta(minutes=8)),
        (5, None),
        (9, None),
    ],
)
def test_retry_delay_doubles_then_gives_up(attempts, delay):
    assert timing.retry_delay(attempts) == delay


def test_retry_delay_is_capped(monkeypatch):
    monkeypatch.setattr(timing, "MAX_ATTEMPTS", 20)
    assert timing.retry_delay(19) == timing.LONGEST_RETRY


def test_retry_delay_refuses_zero_attempts():
    with pytest.raises(ValueError, match="attempts"):
        timing.retry_delay(0)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ((2026, 12, 2, 15, 0), (2026, 12, 1, 15, 0)),  # Wednesday -> Tuesday
        ((2026, 12, 7, 15, 0), (2026, 12, 4, 15, 0)),  # Monday -> Friday
        ((2026, 12, 6, 15, 0), (2026, 12, 4, 15, 0)),  # Sunday -> Friday
        ((2026, 3, 30, 9, 0), (2026, 3, 27, 9, 0)),  # across the spring change
    ],
)
def test_working_days_before_skips_the_weekend(moment, expected):
    assert timing.working_days_before(local(LONDON, *moment), zone=LONDON) == local(
        LONDON, *expected
    )
