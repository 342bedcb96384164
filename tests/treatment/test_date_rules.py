"""The services keep courses and sessions within the plan's date rules, and record the past
only on its own path."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from patternwork.audit.models import AuditEvent
from patternwork.measures.models import OutcomeSummary
from patternwork.treatment import plan, services
from patternwork.treatment.models import Appointment, Course
from patternwork.treatment.services.appointments import (
    BAD_MINUTES,
    PAST_KIND_REQUIRED,
    PAST_OUTCOME_REQUIRED,
)
from patternwork.treatment.services.courses import NOT_STARTED
from tests.course_fixtures import MONDAY_2_MARCH, weekly
from tests.factories import AppointmentFactory, ClientFactory, CourseFactory, ReferralFactory

LONDON = ZoneInfo("Europe/London")


def at(day, hour=10, minute=0):
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON)


def treatment(course):
    return list(course.appointments.filter(kind="treatment").order_by("starts_at"))


def referred(course, received_at):
    course.referral = ReferralFactory(practice=course.practice, received_at=received_at)
    course.save(update_fields=["referral"])
    return course


def events(action):
    return AuditEvent.objects.filter(action=action)


# Starting a course


def test_start_before_the_referral_is_refused_under_the_start_date(course, therapist):
    referred(course, at(dt.date(2026, 3, 3), 9))

    with pytest.raises(ValidationError) as error:
        services.start_course(course=course, values=weekly(), actor=therapist)

    assert error.value.message_dict == {
        "start_date": [plan.START_BEFORE_REFERRAL.format(referral="3 March 2026")]
    }
    assert treatment(course) == []
    assert Course.objects.get(pk=course.pk).state == Course.State.REFERRED
    assert not events("course.start").exists()


def test_start_on_the_day_the_referral_arrived_is_allowed(course, therapist):
    # Received at 16:00, first session that morning: the same day, so not before it.
    referred(course, at(MONDAY_2_MARCH, 16))

    services.start_course(course=course, values=weekly(), actor=therapist)

    assert len(treatment(course)) == 16


@pytest.mark.parametrize(
    ("start", "refused"), [(dt.date(2026, 3, 31), True), (dt.date(2026, 4, 1), False)]
)
def test_the_referral_day_is_the_practices_local_day(course, therapist, start, refused):
    # 23:30 UTC on 31 March is 00:30 on 1 April in London (summer time): received 1 April.
    referred(course, dt.datetime(2026, 3, 31, 23, 30, tzinfo=dt.UTC))

    if refused:
        with pytest.raises(ValidationError, match=r"received \(1 April 2026\)"):
            services.start_course(course=course, values=weekly(start=start), actor=therapist)
    else:
        services.start_course(course=course, values=weekly(start=start), actor=therapist)
        assert len(treatment(course)) == 16


def test_a_course_without_a_referral_may_start_any_day(course, therapist):
    services.start_course(course=course, values=weekly(start=dt.date(2020, 1, 6)), actor=therapist)

    assert len(treatment(course)) == 16


# Moving and booking are for the future


def test_moving_an_appointment_into_the_past_is_refused_and_points_to_the_past_path(
    course, therapist
):
    services.start_course(course=course, values=weekly(), actor=therapist)
    future = treatment(course)[6]
    before = (future.starts_at, future.sequence)

    with pytest.raises(ValidationError) as error:
        services.move_appointment(
            appointment=future, new_start=at(dt.date(2026, 3, 31)), scope="single", actor=therapist
        )

    assert error.value.message_dict == {"date": [plan.BOOKING_IN_PAST]}
    assert "Record a past session" in plan.BOOKING_IN_PAST
    future.refresh_from_db()
    assert (future.starts_at, future.sequence) == before
    assert not events("appointment.move").exists()


def test_moving_earlier_today_but_after_now_is_allowed(course, therapist):
    # Now is 12:00 in London on 1 April.
    services.start_course(course=course, values=weekly(), actor=therapist)
    future = treatment(course)[6]

    services.move_appointment(
        appointment=future,
        new_start=at(dt.date(2026, 4, 1), 12, 30),
        scope="single",
        actor=therapist,
    )
    with pytest.raises(ValidationError, match="already passed"):
        services.move_appointment(
            appointment=future,
            new_start=at(dt.date(2026, 4, 1), 11, 30),
            scope="single",
            actor=therapist,
        )


def test_moving_before_a_referral_dated_ahead_is_refused(course, therapist):
    # Imported: a referral dated after the plan began (the rule holds for moves too).
    services.start_course(course=course, values=weekly(), actor=therapist)
    referred(course, at(dt.date(2026, 5, 20), 9))

    with pytest.raises(ValidationError) as error:
        services.move_appointment(
            appointment=treatment(course)[6],
            new_start=at(dt.date(2026, 5, 19)),
            scope="single",
            actor=therapist,
        )

    assert error.value.message_dict == {
        "date": [plan.SESSION_BEFORE_REFERRAL.format(referral="20 May 2026")]
    }


def test_booking_an_assessment_in_the_past_is_refused(course, therapist):
    with pytest.raises(ValidationError) as error:
        services.book_assessment(
            course=course, start=at(dt.date(2026, 3, 30)), minutes=60, actor=therapist
        )

    assert error.value.message_dict == {"date": [plan.BOOKING_IN_PAST]}
    assert not Appointment.objects.filter(course=course).exists()


def test_booking_an_assessment_before_its_referral_is_refused(course, therapist):
    referred(course, at(dt.date(2026, 4, 10), 9))

    with pytest.raises(ValidationError) as error:
        services.book_assessment(
            course=course, start=at(dt.date(2026, 4, 9)), minutes=60, actor=therapist
        )

    assert error.value.message_dict == {
        "date": [plan.SESSION_BEFORE_REFERRAL.format(referral="10 April 2026")]
    }


def test_attendance_of_an_imported_session_dated_before_the_referral_is_refused(course, therapist):
    services.start_course(course=course, values=weekly(), actor=therapist)
    referred(course, at(dt.date(2026, 3, 10), 9))
    first = treatment(course)[0]  # 2 March: written before the rules, or imported

    with pytest.raises(ValidationError, match=r"referral was received \(10 March 2026\)"):
        services.mark_attended(appointment=first, actor=therapist)

    services.mark_attended(appointment=treatment(course)[2], actor=therapist)
    assert [a.status for a in treatment(course)[:3]] == ["booked", "booked", "attended"]


# Recording a past session


@pytest.fixture
def under_way(course, therapist):
    """Started on 2 March; sessions of 2, 9 and 23 March attended, 16 March missed."""
    referred(course, at(dt.date(2026, 2, 20), 9))
    services.start_course(course=course, values=weekly(), actor=therapist)
    booked = treatment(course)
    for appointment in (booked[0], booked[1], booked[3]):
        services.mark_attended(appointment=appointment, actor=therapist)
    services.mark_did_not_attend(appointment=booked[2], actor=therapist)
    course.refresh_from_db()
    return course


def numbers(course):
    return [
        (a.starts_at.astimezone(LONDON).date(), a.session_number)
        for a in treatment(course)
        if a.status == "attended"
    ]


def test_a_past_session_between_attended_ones_takes_its_place_and_later_ones_move_up(
    under_way, therapist
):
    recorded = services.record_past_session(
        course=under_way,
        start=at(dt.date(2026, 3, 5), 15),
        minutes=50,
        status="attended",
        actor=therapist,
    )

    assert (recorded.kind, recorded.status, recorded.session_number) == ("treatment", "attended", 2)
    assert recorded.status_changed_at == timezone.now()
    assert recorded.duration_minutes == 50
    assert numbers(under_way) == [
        (dt.date(2026, 3, 2), 1),
        (dt.date(2026, 3, 5), 2),
        (dt.date(2026, 3, 9), 3),
        (dt.date(2026, 3, 23), 4),
    ]
    event = events("appointment.record_past").get()
    assert (event.object_id, event.changes) == (
        str(recorded.public_id),
        {
            "kind": "treatment",
            "starts_at": [None, at(dt.date(2026, 3, 5), 15).isoformat()],
            "status": [None, "attended"],
            "renumbered": 2,
        },
    )
    assert not events("appointment.attended").filter(object_id=str(recorded.public_id)).exists()
    assert OutcomeSummary.objects.get(course=under_way).attended == 4


def test_a_missed_past_session_gets_no_number(under_way, therapist):
    recorded = services.record_past_session(
        course=under_way,
        start=at(dt.date(2026, 3, 5), 15),
        minutes=50,
        status="dna",
        actor=therapist,
    )

    assert (recorded.status, recorded.session_number) == ("dna", None)
    assert numbers(under_way) == [
        (dt.date(2026, 3, 2), 1),
        (dt.date(2026, 3, 9), 2),
        (dt.date(2026, 3, 23), 3),
    ]
    assert events("appointment.record_past").get().changes["renumbered"] == 0
    assert OutcomeSummary.objects.get(course=under_way).did_not_attend == 2


def test_a_past_session_the_day_the_referral_arrived_is_allowed(under_way, therapist):
    recorded = services.record_past_session(
        course=under_way,
        start=at(dt.date(2026, 2, 20), 8),  # an hour before the referral's stamp
        minutes=50,
        status="attended",
        actor=therapist,
    )

    assert recorded.session_number == 1


@pytest.mark.parametrize(
    ("start", "field", "message"),
    [
        (
            at(dt.date(2026, 2, 19), 15),
            "date",
            plan.SESSION_BEFORE_REFERRAL.format(referral="20 February 2026"),
        ),
        (at(dt.date(2026, 4, 1), 12, 1), "date", plan.PAST_SESSION_IN_FUTURE),
        (at(dt.date(2026, 4, 8)), "date", plan.PAST_SESSION_IN_FUTURE),
    ],
)
def test_a_past_session_outside_the_rules_is_refused(under_way, therapist, start, field, message):
    with pytest.raises(ValidationError) as error:
        services.record_past_session(
            course=under_way, start=start, minutes=50, status="attended", actor=therapist
        )

    assert error.value.message_dict == {field: [message]}
    assert len(treatment(under_way)) == 16
    assert not events("appointment.record_past").exists()


def test_a_past_session_starting_now_has_happened(under_way, therapist):
    recorded = services.record_past_session(
        course=under_way, start=timezone.now(), minutes=20, status="attended", actor=therapist
    )

    assert recorded.session_number == 4


def test_an_ended_course_takes_a_forgotten_session_up_to_its_last_day(under_way, therapist):
    services.end_course(course=under_way, reason="dropped_out", note="", actor=therapist)
    under_way.refresh_from_db()

    recorded = services.record_past_session(
        course=under_way,
        start=at(dt.date(2026, 3, 30), 9),
        minutes=50,
        status="attended",
        actor=therapist,
    )

    assert recorded.session_number == 4
    summary = OutcomeSummary.objects.get(course=under_way)
    assert (summary.attended, summary.date_problems) == (4, "")


def test_a_past_session_after_the_course_ended_is_refused(under_way, therapist, frozen):
    services.end_course(course=under_way, reason="dropped_out", note="", actor=therapist)
    frozen.move_to(dt.datetime(2026, 4, 10, 12, 0, tzinfo=dt.UTC))

    with pytest.raises(ValidationError) as error:
        services.record_past_session(
            course=under_way,
            start=at(dt.date(2026, 4, 2)),
            minutes=50,
            status="attended",
            actor=therapist,
        )

    assert error.value.message_dict == {"date": [plan.SESSION_AFTER_END.format(end="1 April 2026")]}


def test_a_past_session_that_overlaps_another_is_refused(under_way, therapist):
    with pytest.raises(ValidationError, match="clashes with"):
        services.record_past_session(
            course=under_way,
            start=at(dt.date(2026, 3, 9), 10, 30),
            minutes=50,
            status="attended",
            actor=therapist,
        )


def test_a_past_treatment_session_needs_a_started_course(course, therapist):
    with pytest.raises(ValidationError) as error:
        services.record_past_session(
            course=course,
            start=at(dt.date(2026, 3, 20)),
            minutes=50,
            status="attended",
            actor=therapist,
        )

    assert error.value.messages == [NOT_STARTED]


def test_a_past_assessment_moves_a_referred_course_to_assessment(course, therapist):
    recorded = services.record_past_session(
        course=course,
        start=at(dt.date(2026, 3, 20)),
        minutes=60,
        kind="assessment",
        status="attended",
        actor=therapist,
    )

    course.refresh_from_db()
    assert (recorded.kind, recorded.session_number, course.state) == (
        "assessment",
        None,
        "assessment",
    )
    assert events("appointment.record_past").get().changes["course_state"] == [
        "referred",
        "assessment",
    ]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"status": "booked"}, "status", PAST_OUTCOME_REQUIRED),
        ({"status": "cancelled_client"}, "status", PAST_OUTCOME_REQUIRED),
        ({"kind": "group"}, "kind", PAST_KIND_REQUIRED),
        ({"minutes": 5}, "minutes", BAD_MINUTES),
    ],
)
def test_a_past_session_needs_an_outcome_a_kind_and_a_length(
    under_way, therapist, changes, field, message
):
    arguments = {
        "course": under_way,
        "start": at(dt.date(2026, 3, 5)),
        "minutes": 50,
        "status": "attended",
        "actor": therapist,
    } | changes

    with pytest.raises(ValidationError) as error:
        services.record_past_session(**arguments)

    assert error.value.message_dict == {field: [message]}


def test_a_past_session_of_another_practices_therapist_does_not_clash(under_way, therapist):
    elsewhere = CourseFactory(client=ClientFactory())
    AppointmentFactory(course=elsewhere, starts_at=at(dt.date(2026, 3, 5)), status="attended")

    recorded = services.record_past_session(
        course=under_way,
        start=at(dt.date(2026, 3, 5)),
        minutes=50,
        status="attended",
        actor=therapist,
    )

    assert recorded.session_number == 2
