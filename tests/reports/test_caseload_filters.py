"""The caseload's filters, each a shape of its compiled read, narrow within the scope."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from patternwork.reports.caseload import caseload
from patternwork.treatment.models import Course
from tests.factories import AppointmentFactory, ClientFactory, CourseFactory


def _course(member, name, state, **ending):
    return CourseFactory(
        client=ClientFactory(practice=member.practice, therapist=member, full_name=name),
        state=state,
        **ending,
    )


def _names(found):
    return [row.client.full_name for row in found.rows]


def test_the_caseload_filters_by_state_and_therapist_within_the_scope(
    therapist, other_therapist, supervisor
):
    _course(therapist, "Ann Active", Course.State.ACTIVE)
    _course(therapist, "Bea Assessed", Course.State.ASSESSMENT)
    _course(supervisor, "Cal Own", Course.State.ACTIVE)
    _course(other_therapist, "Dee Elsewhere", Course.State.ACTIVE)
    _course(
        therapist,
        "Eve Ended",
        Course.State.ENDED,
        end_reason=Course.EndReason.COMPLETED,
        ended_at=timezone.now(),
    )
    mine = str(therapist.public_id)

    assert _names(caseload(supervisor)) == ["Ann Active", "Bea Assessed", "Cal Own"]
    assert _names(caseload(supervisor, state=Course.State.ACTIVE)) == ["Ann Active", "Cal Own"]
    assert _names(caseload(supervisor, therapist=mine)) == ["Ann Active", "Bea Assessed"]
    assert _names(caseload(supervisor, state=Course.State.ASSESSMENT, therapist=mine)) == [
        "Bea Assessed"
    ]
    # Another therapist's clients stay out whatever the filter names.
    assert _names(caseload(supervisor, therapist=str(other_therapist.public_id))) == []
    assert _names(caseload(therapist, state=Course.State.ACTIVE)) == ["Ann Active"]
    assert _names(caseload(supervisor, query="bea")) == ["Bea Assessed"]


@pytest.mark.parametrize(
    ("now", "late_today", "just_after_midnight"),
    [
        # Summer time: 23:30 and 00:10 in London are 22:30 and 23:10 on one UTC day.
        ("2026-06-10T12:00Z", "2026-06-10T22:30Z", "2026-06-10T23:10Z"),
        # The night the clocks go forward (at 01:00 UTC), still on Greenwich time.
        ("2026-03-28T12:00Z", "2026-03-28T23:30Z", "2026-03-29T00:30Z"),
    ],
)
def test_today_is_the_practices_day_and_the_rest_is_the_week(
    therapist, now, late_today, just_after_midnight
):
    course = _course(therapist, "Ann Active", Course.State.ACTIVE)
    for moment in (late_today, just_after_midnight):
        AppointmentFactory(course=course, starts_at=dt.datetime.fromisoformat(moment))

    with time_machine.travel(dt.datetime.fromisoformat(now), tick=False):
        found = caseload(therapist)

    assert therapist.practice.time_zone == "Europe/London"
    assert [a.starts_at for a in found.today] == [dt.datetime.fromisoformat(late_today)]
    assert [a.starts_at for a in found.week] == [dt.datetime.fromisoformat(just_after_midnight)]
