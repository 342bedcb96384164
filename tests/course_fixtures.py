import datetime as dt

import pytest
import time_machine

from patternwork.accounts.models import ClosureDay
from patternwork.treatment.services.courses import PlanValues
from tests.factories import ClientFactory, CourseFactory

# A fixed "now" for course tests: Wednesday 1 April 2026, 12:00 in London (BST).
NOW = dt.datetime(2026, 4, 1, 11, 0, tzinfo=dt.UTC)
MONDAY_2_MARCH = dt.date(2026, 3, 2)
TEN = dt.time(10, 0)


@pytest.fixture
def frozen_now():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def course(therapist, frozen_now):
    client = ClientFactory(practice=therapist.practice, therapist=therapist, full_name="Jo Bloggs")
    return CourseFactory(client=client)


@pytest.fixture
def bank_holiday(practice):
    # A made-up closure on the fifth Monday of the course.
    return ClosureDay.objects.create(practice=practice, date=dt.date(2026, 3, 30), label="Closed")


def weekly(planned=16, *, start=MONDAY_2_MARCH, at=TEN, minutes=50, cadence="weekly"):
    return PlanValues(
        planned_sessions=planned,
        cadence=cadence,
        session_minutes=minutes,
        start_date=start,
        start_time=at,
    )
