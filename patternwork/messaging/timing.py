"""When a message goes out: reminder send times in the practice's zone, and retry back-off.

Pure: no Django. Times come in aware, go out aware (UTC), and every wall-clock rule is
applied in the practice's own zone, so a clock change never moves a reminder by an hour.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

DEFAULT_LEAD_HOURS = 24
MIN_LEAD_HOURS = 1
MAX_LEAD_HOURS = 7 * 24

MAX_ATTEMPTS = 5
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=2)


def _wall_to_utc(wall: datetime, zone: ZoneInfo) -> datetime:
    """The instant a naive local wall time names in `zone`.

    In the spring gap (a wall time that never happens) the time is read with the offset
    in force before the gap, which lands just after it: 01:30 on the morning the clocks
    go forward becomes 02:30 summer time. In the autumn overlap (a wall time that happens
    twice) the first occurrence is taken, so the reminder is early rather than late.
    """
    return wall.replace(tzinfo=zone, fold=0).astimezone(UTC)


def reminder_send_time(*, starts_at: datetime, zone: ZoneInfo, lead_hours: int) -> datetime:
    """When the reminder for an appointment starting at `starts_at` is due, in UTC.

    A lead time in whole days counts calendar days on the practice's wall clock: "24 hours
    before 10:00" is 10:00 local on the day before, also when the clocks change in
    between (then it is 23 or 25 real hours). Hours beyond whole days are real hours
    taken off after that, so a 30-hour lead before Monday 10:00 is Sunday 04:00.
    """
    if starts_at.tzinfo is None:
        raise ValueError("starts_at must be aware")
    if not MIN_LEAD_HOURS <= lead_hours <= MAX_LEAD_HOURS:
        raise ValueError(f"lead_hours must be {MIN_LEAD_HOURS} to {MAX_LEAD_HOURS}")
    days, hours = divmod(lead_hours, 24)
    local = starts_at.astimezone(zone).replace(tzinfo=None)
    moment = _wall_to_utc(local - timedelta(days=days), zone)
    return moment - timedelta(hours=hours)


def reminder_due_at(
    *, starts_at: datetime, zone: ZoneInfo, lead_hours: int, now: datetime
) -> datetime | None:
    """When to queue the reminder: its send time, or now if that has passed; None if too late.

    A booking made inside the lead time (tomorrow morning, booked tonight) still gets its
    reminder at once. An appointment that has already started gets none.
    """
    if starts_at <= now:
        return None
    return max(reminder_send_time(starts_at=starts_at, zone=zone, lead_hours=lead_hours), now)


def retry_delay(attempts: int) -> timedelta | None:
    """How long to wait after the `attempts`-th failed try before the next; None to give up.

    Doubling from one minute (1, 2, 4, 8 minutes), capped at two hours, for at most
    MAX_ATTEMPTS tries in all.
    """
    if attempts < 1:
        raise ValueError("attempts counts tries made, from 1")
    if attempts >= MAX_ATTEMPTS:
        return None
    return min(FIRST_RETRY * 2 ** (attempts - 1), LONGEST_RETRY)


def working_days_before(moment: datetime, *, zone: ZoneInfo, days: int = 1) -> datetime:
    """The same wall time `days` working days (Monday to Friday) before `moment`, in UTC.

    A risk flag raised on Friday afternoon is one working day old on Monday afternoon.
    """
    local = moment.astimezone(zone).replace(tzinfo=None)
    left = days
    while left:
        local -= timedelta(days=1)
        if local.weekday() < 5:
            left -= 1
    return _wall_to_utc(local, zone)
