"""The outcome summary flags courses whose dates break the plan's rules."""

import datetime as dt
import importlib
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps

from patternwork.measures.models import OutcomeSummary
from patternwork.measures.summary import refresh_outcome_summary
from patternwork.treatment.models import Appointment, Course
from tests.factories import AppointmentFactory, ClientFactory, CourseFactory, ReferralFactory

LONDON = ZoneInfo("Europe/London")
fill = importlib.import_module(
    "patternwork.measures.migrations.0006_fill_outcomesummary_date_problems"
).fill


def at(day, hour=10, minute=0):
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON)


def course_with(therapist, *, received=None, start=None, ended=None, sessions=()):
    referral = (
        ReferralFactory(practice=therapist.practice, received_at=received) if received else None
    )
    course = CourseFactory(
        client=ClientFactory(practice=therapist.practice, therapist=therapist),
        referral=referral,
        start_date=start,
        state=Course.State.ENDED if ended else Course.State.ACTIVE,
        end_reason="completed" if ended else "",
        ended_at=ended,
    )
    for moment, status in sessions:
        AppointmentFactory(course=course, starts_at=moment, status=status)
    return course


def flag(course) -> str:
    return refresh_outcome_summary(course).date_problems


def test_sound_dates_leave_the_flag_empty(therapist):
    course = course_with(
        therapist,
        received=at(dt.date(2026, 3, 2), 9),
        start=dt.date(2026, 3, 2),
        ended=at(dt.date(2026, 3, 16), 17),
        sessions=[(at(dt.date(2026, 3, 2)), "attended"), (at(dt.date(2026, 3, 16)), "attended")],
    )

    assert flag(course) == ""


def test_every_broken_rule_is_flagged(therapist):
    course = course_with(
        therapist,
        received=at(dt.date(2026, 3, 9), 9),
        start=dt.date(2026, 3, 2),
        ended=at(dt.date(2026, 3, 16), 17),
        sessions=[(at(dt.date(2026, 3, 2)), "attended"), (at(dt.date(2026, 3, 23)), "dna")],
    )

    assert flag(course) == "start_before_referral,session_before_referral,session_after_end"


def test_cancelled_appointments_need_not_follow_the_course_dates(therapist):
    course = course_with(
        therapist,
        received=at(dt.date(2026, 3, 9), 9),
        ended=at(dt.date(2026, 3, 16), 17),
        sessions=[
            (at(dt.date(2026, 3, 2)), Appointment.Status.CANCELLED_CLIENT),
            (at(dt.date(2026, 3, 9)), "attended"),
            (at(dt.date(2026, 3, 23)), Appointment.Status.CANCELLED_THERAPIST),
        ],
    )

    assert flag(course) == ""


def test_a_booked_session_before_the_referral_is_flagged_too(therapist):
    course = course_with(
        therapist,
        received=at(dt.date(2026, 3, 9), 9),
        sessions=[(at(dt.date(2026, 3, 2)), "booked")],
    )

    assert flag(course) == "session_before_referral"


@pytest.mark.parametrize(
    ("session", "expected"),
    [
        # 23:30 UTC on 31 March is 00:30 on 1 April in London, the referral's local day.
        (dt.datetime(2026, 3, 31, 23, 30, tzinfo=dt.UTC), ""),
        (dt.datetime(2026, 3, 31, 22, 30, tzinfo=dt.UTC), "session_before_referral"),
    ],
)
def test_days_are_the_practices_local_days(therapist, session, expected):
    course = course_with(
        therapist,
        received=dt.datetime(2026, 3, 31, 23, 15, tzinfo=dt.UTC),
        sessions=[(session, "attended")],
    )

    assert flag(course) == expected


def test_the_migration_flags_summaries_written_before_the_rules(therapist, other_practice):
    bad = course_with(
        therapist,
        received=at(dt.date(2026, 3, 9), 9),
        ended=at(dt.date(2026, 3, 30), 17),
        sessions=[(at(dt.date(2026, 3, 2)), "attended"), (at(dt.date(2026, 3, 16)), "attended")],
    )
    good = course_with(
        therapist,
        received=at(dt.date(2026, 3, 2), 9),
        sessions=[(at(dt.date(2026, 3, 2)), "attended")],
    )
    # A practice 13 hours ahead of UTC: 23:00 UTC on 28 February is noon on 1 March
    # there, the day its referral arrived (10:00 UTC on 1 March, 23:00 local).
    other_practice.time_zone = "Pacific/Auckland"
    other_practice.save(update_fields=["time_zone"])
    far = course_with(
        ClientFactory(practice=other_practice).therapist,
        received=dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC),
        start=dt.date(2026, 3, 1),
        sessions=[(dt.datetime(2026, 2, 28, 23, 0, tzinfo=dt.UTC), "attended")],
    )
    refreshed = {course.pk: flag(course) for course in (bad, good, far)}
    OutcomeSummary.objects.update(date_problems="")

    fill(apps, None)

    flags = dict(OutcomeSummary.objects.values_list("course_id", "date_problems"))
    assert flags == refreshed == {bad.pk: "session_before_referral", good.pk: "", far.pk: ""}
