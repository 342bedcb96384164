import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from patternwork.accounts.models import ClosureDay
from patternwork.audit.models import AuditEvent
from patternwork.core.concurrency import StaleEdit
from patternwork.measures import services as measures
from patternwork.measures.models import RiskFlag
from patternwork.measures.services import Answers
from patternwork.treatment import plan, services
from patternwork.treatment.models import Appointment, Course
from patternwork.treatment.selectors import course_view
from patternwork.treatment.services import appointments as appointment_services
from patternwork.treatment.services.courses import END_WITH_OPEN_FLAGS
from tests.course_fixtures import weekly
from tests.factories import AppointmentFactory, ClientFactory, CourseFactory

LONDON = ZoneInfo("Europe/London")


def local(appointment):
    return appointment.starts_at.astimezone(LONDON)


def treatment(course):
    return list(course.appointments.filter(kind="treatment").order_by("starts_at"))


def view(course):
    course.refresh_from_db()
    return course_view(course)


def events(action):
    return AuditEvent.objects.filter(action=action)


def test_start_course_books_the_plan_weekly_skipping_a_closure_day(course, therapist, bank_holiday):
    services.start_course(course=course, values=weekly(), actor=therapist)

    booked = treatment(course)
    dates = [local(a).date() for a in booked]
    assert len(booked) == 16
    assert dt.date(2026, 3, 30) not in dates
    assert dates[:5] == [
        dt.date(2026, 3, 2),
        dt.date(2026, 3, 9),
        dt.date(2026, 3, 16),
        dt.date(2026, 3, 23),
        dt.date(2026, 4, 6),
    ]
    assert {local(a).time() for a in booked} == {dt.time(10, 0)}
    assert {a.duration_minutes for a in booked} == {50}
    assert {a.status for a in booked} == {"booked"}
    course.refresh_from_db()
    assert (course.state, course.planned_sessions, course.session_minutes) == ("active", 16, 50)
    event = events("course.start").get()
    assert event.changes["appointments_booked"] == 16
    assert AuditEvent.objects.count() == 1


def test_start_course_keeps_local_time_across_the_clock_change(course, therapist):
    services.start_course(course=course, values=weekly(start=dt.date(2026, 3, 16)), actor=therapist)

    booked = treatment(course)
    # Clocks go forward on 29 March 2026: the UTC hour changes, the London hour does not.
    assert [a.starts_at.hour for a in booked[:3]] == [10, 10, 9]
    assert {local(a).hour for a in booked} == {10}


def test_start_course_refuses_a_clash_and_names_it(course, therapist):
    other = CourseFactory(
        client=ClientFactory(
            practice=therapist.practice,
            therapist=therapist,
            full_name="Sam Other",
            preferred_name="Sam",
        )
    )
    AppointmentFactory(
        course=other,
        starts_at=dt.datetime(2026, 3, 16, 10, 30, tzinfo=LONDON),
        ends_at=dt.datetime(2026, 3, 16, 11, 20, tzinfo=LONDON),
    )

    with pytest.raises(ValidationError) as error:
        services.start_course(course=course, values=weekly(), actor=therapist)

    message = " ".join(error.value.messages)
    assert "Mon 16 Mar 2026 10:00-10:50" in message
    assert f"Sam ({other.client.client_number})" in message
    assert treatment(course) == []
    assert not events("course.start").exists()


def test_start_course_back_to_back_is_not_a_clash(course, therapist):
    other = CourseFactory(client=ClientFactory(practice=therapist.practice, therapist=therapist))
    AppointmentFactory(
        course=other,
        starts_at=dt.datetime(2026, 3, 2, 9, 10, tzinfo=LONDON),
        ends_at=dt.datetime(2026, 3, 2, 10, 0, tzinfo=LONDON),
    )

    services.start_course(course=course, values=weekly(), actor=therapist)

    assert len(treatment(course)) == 16


def test_start_course_validates_the_plan_all_at_once(course, therapist):
    with pytest.raises(ValidationError) as error:
        services.start_course(
            course=course, values=weekly(planned=7, minutes=200, cadence="monthly"), actor=therapist
        )

    assert set(error.value.message_dict) == {"planned_sessions", "session_minutes", "cadence"}


def test_start_course_twice_is_refused(course, therapist):
    services.start_course(course=course, values=weekly(), actor=therapist)

    with pytest.raises(ValidationError, match="already started"):
        services.start_course(course=course, values=weekly(), actor=therapist)


def mark(appointments, count, actor):
    for appointment in appointments[:count]:
        services.mark_attended(appointment=appointment, actor=actor)


def test_attended_sessions_are_numbered_and_give_the_phase(course, therapist):
    services.start_course(course=course, values=weekly(), actor=therapist)
    booked = treatment(course)

    mark(booked, 4, therapist)
    after_four = view(course)
    services.mark_attended(appointment=booked[4], actor=therapist)
    after_five = view(course)

    assert [a.session_number for a in treatment(course)[:5]] == [1, 2, 3, 4, 5]
    assert (after_four.attended, after_four.phase) == (4, plan.Phase.INITIAL)
    assert (after_five.attended, after_five.phase) == (5, plan.Phase.MIDDLE)
    assert events("appointment.attended").count() == 5


def test_did_not_attend_keeps_n_and_reprojects_the_end(course, therapist):
    services.start_course(course=course, values=weekly(), actor=therapist)
    booked = treatment(course)
    mark(booked, 3, therapist)
    before = view(course).projection

    services.mark_did_not_attend(appointment=booked[3], actor=therapist)

    after = view(course)
    assert after.attended == 3
    assert [a.session_number for a in treatment(course)[:4]] == [1, 2, 3, None]
    assert before.shortfall == 0
    assert after.projection.shortfall == 1
    assert after.projection.end_date == before.end_date + dt.timedelta(days=7)
    assert events("appointment.did_not_attend").get().changes == {"status": ["booked", "dna"]}


def test_attendance_cannot_be_recorded_before_the_appointment(course, therapist):
    services.start_course(course=course, values=weekly(), actor=therapist)
    future = treatment(course)[10]

    with pytest.raises(ValidationError, match="once it has started"):
        services.mark_attended(appointment=future, actor=therapist)


def test_replacement_is_added_at_the_end_after_a_missed_session(course, therapist):
    services.start_course(course=course, values=weekly(), actor=therapist)
    booked = treatment(course)
    services.mark_did_not_attend(appointment=booked[0], actor=therapist)
    last = booked[-1]

    replacement = services.add_replacement(course=course, actor=therapist)

    assert local(replacement).date() == local(last).date() + dt.timedelta(days=7)
    assert local(replacement).time() == dt.time(10, 0)
    assert view(course).projection.shortfall == 0
    with pytest.raises(ValidationError, match="enough appointments"):
        services.add_replacement(course=course, actor=therapist)


def test_cancel_needs_a_reason_and_records_who(course, therapist):
    services.start_course(course=course, values=weekly(), actor=therapist)
    appointment = treatment(course)[8]

    with pytest.raises(ValidationError):
        services.cancel_appointment(
            appointment=appointment, by="client", reason="  ", actor=therapist
        )
    services.cancel_appointment(
        appointment=appointment, by="client", reason="Unwell", actor=therapist
    )

    appointment.refresh_from_db()
    assert (appointment.status, appointment.status_reason, appointment.sequence) == (
        "cancelled_client",
        "Unwell",
        1,
    )
    assert view(course).projection.shortfall == 1


def test_move_single_keeps_identity_and_bumps_sequence(course, therapist):
    services.start_course(course=course, values=weekly(), actor=therapist)
    appointment, following = treatment(course)[8:10]
    public_id = appointment.public_id
    new_start = dt.datetime(2026, 5, 5, 14, 0, tzinfo=LONDON)

    services.move_appointment(
        appointment=appointment, new_start=new_start, scope="single", actor=therapist
    )

    appointment.refresh_from_db()
    assert (appointment.public_id, appointment.starts_at, appointment.sequence) == (
        public_id,
        new_start,
        1,
    )
    assert appointment.duration_minutes == 50
    following_after = Appointment.objects.get(pk=following.pk)
    assert (following_after.starts_at, following_after.sequence) == (following.starts_at, 0)


def test_move_this_and_following_shifts_the_rest_in_local_time(course, therapist):
    services.start_course(course=course, values=weekly(), actor=therapist)
    booked = treatment(course)

    services.move_appointment(
        appointment=booked[10],
        new_start=dt.datetime(2026, 5, 13, 16, 0, tzinfo=LONDON),
        scope="following",
        actor=therapist,
    )

    moved = treatment(course)[10:]
    assert [(local(a).weekday(), local(a).time()) for a in moved] == [(2, dt.time(16, 0))] * 6
    assert {a.sequence for a in moved} == {1}
    assert {a.sequence for a in treatment(course)[:10]} == {0}


def test_move_onto_a_closure_day_or_a_clash_is_refused(course, therapist):
    services.start_course(course=course, values=weekly(), actor=therapist)
    booked = treatment(course)
    ClosureDay.objects.create(practice=course.practice, date=dt.date(2026, 5, 12), label="Shut")

    with pytest.raises(ValidationError, match="closure day"):
        services.move_appointment(
            appointment=booked[8],
            new_start=dt.datetime(2026, 5, 12, 10, 0, tzinfo=LONDON),
            scope="single",
            actor=therapist,
        )
    with pytest.raises(ValidationError, match="clashes with"):
        services.move_appointment(
            appointment=booked[8], new_start=local(booked[9]), scope="single", actor=therapist
        )


def test_change_plan_to_twenty_regenerates_future_only(course, therapist):
    services.start_course(course=course, values=weekly(), actor=therapist)
    mark(treatment(course), 4, therapist)
    past_before = [(a.pk, a.starts_at, a.status) for a in treatment(course)[:5]]
    course.refresh_from_db()

    services.change_plan(
        course=course, values=weekly(20), expected_version=course.version, actor=therapist
    )

    after = treatment(course)
    assert [(a.pk, a.starts_at, a.status) for a in after[:5]] == past_before
    assert len(after) == 20
    course.refresh_from_db()
    assert course.planned_sessions == 20
    bounds = plan.phase_bounds(20)
    assert (bounds.initial.last, bounds.middle.first, bounds.middle.last, bounds.ending.first) == (
        5,
        6,
        15,
        16,
    )
    services.mark_attended(appointment=after[4], actor=therapist)
    assert view(course).phase == plan.Phase.INITIAL
    event = events("course.plan_change").get()
    assert event.changes["planned_sessions"] == [16, 20]
    assert event.changes["appointments"] == {"moved": 0, "removed": 0, "added": 4}


def test_change_plan_to_fewer_sessions_and_another_length(course, therapist):
    services.start_course(course=course, values=weekly(), actor=therapist)
    mark(treatment(course), 4, therapist)
    course.refresh_from_db()

    services.change_plan(
        course=course,
        values=weekly(10, minutes=60),
        expected_version=course.version,
        actor=therapist,
    )

    after = treatment(course)
    # 4 attended + 1 past but not yet recorded (it may still be attended) + 5 future.
    assert len(after) == 10
    assert [a.duration_minutes for a in after] == [50] * 5 + [60] * 5
    assert {a.sequence for a in after[5:]} == {1}


def test_change_plan_with_a_stale_version_is_refused(course, therapist):
    services.start_course(course=course, values=weekly(), actor=therapist)

    with pytest.raises(StaleEdit):
        services.change_plan(course=course, values=weekly(20), expected_version=1, actor=therapist)
    assert len(treatment(course)) == 16


def test_end_course_needs_a_reason_and_cancels_the_future(course, therapist):
    services.start_course(course=course, values=weekly(), actor=therapist)
    mark(treatment(course), 4, therapist)

    with pytest.raises(ValidationError):
        services.end_course(course=course, reason="", note="", actor=therapist)
    services.end_course(course=course, reason="dropped_out", note="Moved away.", actor=therapist)

    course.refresh_from_db()
    assert (course.state, course.end_reason, course.end_note) == (
        "ended",
        "dropped_out",
        "Moved away.",
    )
    statuses = [a.status for a in treatment(course)]
    assert statuses[:4] == ["attended"] * 4
    assert statuses[4] == "booked"  # past and unmarked: left for the therapist to record
    assert set(statuses[5:]) == {"cancelled_therapist"}
    assert events("course.end").count() == 1
    with pytest.raises(ValidationError, match="ended"):
        services.add_replacement(course=course, actor=therapist)


RISK_ANSWERS = {f"q{n}": 0 for n in range(1, 9)} | {"q9": 1}
OVERRIDE = "Client moved to the crisis team today; they have the answer and the plan."


def raise_flag(course, therapist):
    """Attend the first four sessions; a PHQ-9 item 9 answer at the fourth opens a flag."""
    services.start_course(course=course, values=weekly(), actor=therapist)
    mark(treatment(course), 4, therapist)
    fourth = treatment(course)[3]
    measures.record_responses(
        source="clinic", appointment=fourth, answers=[Answers("PHQ-9", RISK_ANSWERS)], by=therapist
    )
    return RiskFlag.objects.get(course=course)


def test_end_course_with_an_open_risk_flag_is_refused_and_changes_nothing(course, therapist):
    raise_flag(course, therapist)

    with pytest.raises(ValidationError) as refused:
        services.end_course(course=course, reason="dropped_out", note="", actor=therapist)

    assert refused.value.message_dict == {"override_reason": [END_WITH_OPEN_FLAGS]}
    course.refresh_from_db()
    assert (course.state, course.end_reason) == ("active", "")
    assert {a.status for a in treatment(course)[5:]} == {"booked"}
    assert not events("course.end").exists()


def test_end_course_over_open_flags_keeps_the_reason_and_audits_the_count(course, therapist):
    raise_flag(course, therapist)

    services.end_course(
        course=course,
        reason="transferred",
        note="",
        actor=therapist,
        override_reason=f"  {OVERRIDE}  ",
    )

    course.refresh_from_db()
    assert (course.state, course.end_override_flags, course.end_override_reason) == (
        "ended",
        1,
        OVERRIDE,
    )
    assert events("course.end").get().changes == {
        "state": ["active", "ended"],
        "end_reason": [None, "transferred"],
        "end_note": None,
        "future_appointments_cancelled": 11,
        "open_risk_flags_overridden": 1,
        "end_override_reason": "[changed]",
    }
    assert RiskFlag.objects.open().filter(course=course).count() == 1


def test_end_course_after_the_flag_is_acknowledged_needs_no_reason(course, therapist):
    flag = raise_flag(course, therapist)
    measures.acknowledge_flag(flag=flag, note="Safety plan agreed.", actor=therapist)

    services.end_course(
        course=course, reason="completed", note="", actor=therapist, override_reason=OVERRIDE
    )

    course.refresh_from_db()
    assert (course.state, course.end_override_flags, course.end_override_reason) == (
        "ended",
        0,
        "",
    )
    assert "open_risk_flags_overridden" not in events("course.end").get().changes


def test_a_blank_override_reason_does_not_count(course, therapist):
    raise_flag(course, therapist)

    with pytest.raises(ValidationError, match="acknowledged"):
        services.end_course(
            course=course, reason="completed", note="", actor=therapist, override_reason="  \n "
        )


def test_one_open_course_per_client_is_enforced_by_the_database(course):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Course.objects.create(
            practice=course.practice, client=course.client, therapist=course.therapist
        )


def test_book_assessment_moves_the_course_to_assessment(course, therapist):
    start = dt.datetime(2026, 4, 3, 9, 0, tzinfo=LONDON)

    appointment = services.book_assessment(course=course, start=start, minutes=60, actor=therapist)

    course.refresh_from_db()
    assert (appointment.kind, appointment.duration_minutes, course.state) == (
        "assessment",
        60,
        "assessment",
    )
    assert appointment_services.CANCEL_NEEDS_REASON
    assert Appointment.objects.filter(course=course).count() == 1


def test_start_course_from_assessment_state(course, therapist):
    services.book_assessment(
        course=course,
        start=dt.datetime(2026, 4, 2, 9, 0, tzinfo=LONDON),
        minutes=60,
        actor=therapist,
    )

    services.start_course(course=course, values=weekly(start=dt.date(2026, 4, 6)), actor=therapist)

    assert len(treatment(course)) == 16


def test_correcting_attended_to_did_not_attend_renumbers(course, therapist):
    services.start_course(course=course, values=weekly(), actor=therapist)
    mark(treatment(course), 3, therapist)

    services.mark_did_not_attend(appointment=treatment(course)[1], actor=therapist)

    assert [a.session_number for a in treatment(course)[:3]] == [1, None, 2]
