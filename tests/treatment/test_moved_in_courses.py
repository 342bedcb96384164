"""A course that moved in mid-way: started without generated bookings, booked one by one."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from patternwork.accounts.models import ClosureDay
from patternwork.audit.models import AuditEvent
from patternwork.measures.models import OutcomeSummary
from patternwork.treatment import plan, services
from patternwork.treatment.models import Appointment, Course
from patternwork.treatment.services.courses import ALREADY_STARTED, NOT_STARTED
from tests.course_fixtures import weekly
from tests.factories import AppointmentFactory, ClientFactory, CourseFactory, ReferralFactory

LONDON = ZoneInfo("Europe/London")


def at(day, hour=10):
    return dt.datetime.combine(day, dt.time(hour), tzinfo=LONDON)


def test_a_course_under_way_starts_without_bookings_and_is_audited(course, therapist):
    started = services.start_course_in_progress(course=course, values=weekly(), actor=therapist)

    assert (started.state, started.planned_sessions, started.start_date) == (
        Course.State.ACTIVE,
        16,
        dt.date(2026, 3, 2),
    )
    assert course.appointments.count() == 0
    event = AuditEvent.objects.get(action="course.start_in_progress")
    assert event.changes["state"] == ["referred", "active"]
    assert OutcomeSummary.objects.get(course=course).started_on == dt.date(2026, 4, 1)


def test_a_course_under_way_keeps_the_date_rules(course, therapist):
    course.referral = ReferralFactory(practice=course.practice, received_at=at(dt.date(2026, 3, 3)))
    course.save(update_fields=["referral"])

    with pytest.raises(ValidationError) as error:
        services.start_course_in_progress(course=course, values=weekly(), actor=therapist)

    assert error.value.message_dict == {
        "start_date": [plan.START_BEFORE_REFERRAL.format(referral="3 March 2026")]
    }
    assert Course.objects.get(pk=course.pk).state == Course.State.REFERRED


def test_a_started_course_cannot_start_again(course, therapist):
    services.start_course_in_progress(course=course, values=weekly(), actor=therapist)

    with pytest.raises(ValidationError, match=ALREADY_STARTED):
        services.start_course_in_progress(course=course, values=weekly(), actor=therapist)


def test_book_session_books_one_treatment_session_at_the_course_length(course, therapist):
    services.start_course_in_progress(course=course, values=weekly(minutes=45), actor=therapist)

    booked = services.book_session(
        course=course, start=at(dt.date(2026, 4, 8), 15), actor=therapist
    )

    assert (booked.kind, booked.status, booked.duration_minutes) == ("treatment", "booked", 45)
    event = AuditEvent.objects.get(action="appointment.book")
    assert event.object_id == str(booked.public_id)


@pytest.mark.parametrize(
    ("start", "message"),
    [
        (at(dt.date(2026, 3, 30)), plan.BOOKING_IN_PAST),
        (at(dt.date(2026, 4, 6)), "Mon 6 Apr 2026 is a practice closure day (Easter Monday)."),
        (at(dt.date(2026, 4, 7), 9), "clashes with the appointment of"),
    ],
)
def test_book_session_refuses_the_past_closures_and_clashes(course, therapist, start, message):
    ClosureDay.objects.create(
        practice=course.practice, date=dt.date(2026, 4, 6), label="Easter Monday"
    )
    other = CourseFactory(client=ClientFactory(practice=course.practice, therapist=therapist))
    AppointmentFactory(
        course=other, starts_at=at(dt.date(2026, 4, 7), 9), ends_at=at(dt.date(2026, 4, 7), 10)
    )
    services.start_course_in_progress(course=course, values=weekly(), actor=therapist)

    with pytest.raises(ValidationError) as error:
        services.book_session(course=course, start=start, actor=therapist)

    assert message in " ".join(error.value.messages)
    assert course.appointments.count() == 0
    assert not AuditEvent.objects.filter(action="appointment.book").exists()


def test_book_session_needs_a_started_course(course, therapist):
    with pytest.raises(ValidationError, match=NOT_STARTED):
        services.book_session(course=course, start=at(dt.date(2026, 4, 8)), actor=therapist)
    assert Appointment.objects.count() == 0
