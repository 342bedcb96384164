"""The service report's waiting list: its size and the waits so far."""

import datetime as dt
from fractions import Fraction

import pytest

from patternwork.reports.selectors import service_report
from tests.factories import ClientFactory, CourseFactory, WaitingEntryFactory

pytestmark = pytest.mark.usefixtures("frozen")

NOW = dt.datetime(2026, 4, 15, 11, 0, tzinfo=dt.UTC)


def waiting_since(therapist, day, **kwargs):
    course = CourseFactory(
        client=ClientFactory(practice=therapist.practice, therapist=therapist),
        state="assessment",
    )
    return WaitingEntryFactory(course=course, referred_on=day, **kwargs)


def test_the_report_counts_who_waits_and_how_long_so_far(practice, therapist, other_therapist):
    waiting_since(therapist, dt.date(2026, 4, 1))  # 14 days
    waiting_since(therapist, dt.date(2026, 2, 1))  # 73 days
    waiting_since(other_therapist, dt.date(2025, 11, 1))  # 165 days
    waiting_since(therapist, dt.date(2025, 1, 1), left_at=NOW)  # started: not waiting

    everyone = service_report(practice).waiting
    mine = service_report(practice, therapist=therapist).waiting

    assert (everyone.count, everyone.median_days) == (3, Fraction(73))
    assert (everyone.within_6_weeks.count, everyone.within_18_weeks.count) == (1, 2)
    assert (mine.count, mine.total_days) == (2, 14 + 73)
