"""Which dates a course and its sessions may have: the one home of the date rules.

A course cannot begin before someone asked for it, and nothing happens in it after it
ended. Imported data and records written before these rules existed can still break
them, so the services refuse such dates and the outcome summary flags any record that
holds them (the service report then leaves it out of every wait figure).

Every date here is a local date in the practice's time zone: a referral received at
00:30 on 1 April in London (23:30 UTC on 31 March) was received on 1 April. Dates on
the same day are allowed at both ends: a first session may be held the day the referral
arrives, and a course is usually ended on the day of its last session.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum


def gettext_noop(message: str) -> str:
    """Mark a string for translation without translating it (picked up by makemessages)."""
    return message


class DateProblem(StrEnum):
    START_BEFORE_REFERRAL = "start_before_referral"
    SESSION_BEFORE_REFERRAL = "session_before_referral"
    SESSION_AFTER_END = "session_after_end"


# Form messages: the services fill in {referral} and {end} with the dates, written out.
START_BEFORE_REFERRAL = (
    "The first session cannot be before the day the referral was received ({referral})."
)
SESSION_BEFORE_REFERRAL = (
    "A session cannot be dated before the day the referral was received ({referral})."
)
SESSION_AFTER_END = "A session cannot be dated after the day the course ended ({end})."
DATE_MESSAGES = {
    DateProblem.START_BEFORE_REFERRAL: START_BEFORE_REFERRAL,
    DateProblem.SESSION_BEFORE_REFERRAL: SESSION_BEFORE_REFERRAL,
    DateProblem.SESSION_AFTER_END: SESSION_AFTER_END,
}
# Short labels for a list of records that break the rules (the report's data quality);
# the interface translates them with gettext.
DATE_PROBLEM_LABELS = {
    DateProblem.START_BEFORE_REFERRAL: gettext_noop(
        "First session planned before the referral was received"
    ),
    DateProblem.SESSION_BEFORE_REFERRAL: gettext_noop(
        "A session dated before the referral was received"
    ),
    DateProblem.SESSION_AFTER_END: gettext_noop("A session dated after the course ended"),
}
LOCAL_DATE_REQUIRED = "Give local dates (datetime.date), not date-times: {value!r}."

# Booking versus recording what already happened.
BOOKING_IN_PAST = (
    "That time has already passed. If the session took place, record it with "
    "“Record a past session” on the course page."
)
PAST_SESSION_IN_FUTURE = (
    "That time has not come yet. Only a session that has already started can be recorded "
    "as a past session; book future sessions from the course plan."
)


def _local(value: date | None) -> date | None:
    # A datetime is a date too; passing one would compare UTC days, not the practice's.
    if value is not None and (isinstance(value, datetime) or not isinstance(value, date)):
        raise TypeError(LOCAL_DATE_REQUIRED.format(value=value))
    return value


def date_problems(
    *,
    referral_received: date | None,
    start: date | None = None,
    end: date | None = None,
    sessions: Iterable[date] = (),
) -> tuple[DateProblem, ...]:
    """Return what breaks the date rules, in DateProblem order (empty when nothing does).

    referral_received: the day the course's referral arrived (None: no referral, so no
    referral rule). start: the course's first planned session. end: the day the course
    ended (None while it is open). sessions: the days of its sessions that are booked or
    took place (cancelled ones need not follow the course's dates).
    """
    received, first, ended = _local(referral_received), _local(start), _local(end)
    days = [_local(day) for day in sessions]
    found = set()
    if received is not None and first is not None and first < received:
        found.add(DateProblem.START_BEFORE_REFERRAL)
    if received is not None and any(day < received for day in days):
        found.add(DateProblem.SESSION_BEFORE_REFERRAL)
    if ended is not None and any(day > ended for day in days):
        found.add(DateProblem.SESSION_AFTER_END)
    return tuple(problem for problem in DateProblem if problem in found)


def encode_problems(problems: Iterable[DateProblem]) -> str:
    """Return problems as stored on a summary row: codes joined by commas, '' for none."""
    return ",".join(DateProblem(problem).value for problem in problems)


def decode_problems(stored: str) -> tuple[DateProblem, ...]:
    """Return the problems a stored code string holds (unknown codes are an error)."""
    return tuple(DateProblem(code) for code in stored.split(",") if code)


def booking_in_past(*, start: datetime, now: datetime) -> bool:
    """Whether a booking (or a move) at start would be in the past: refused on that path."""
    return start < now


def past_session_in_future(*, start: datetime, now: datetime) -> bool:
    """Whether a session recorded as already held has not started yet: refused."""
    return start > now
