"""Reminders follow the diary, the practice's settings and the client's choice."""

import datetime as dt

import pytest
from django.db import IntegrityError

from patternwork.audit.models import AuditEvent
from patternwork.messaging import dispatch, services
from patternwork.messaging.models import Message
from patternwork.treatment import services as treatment
from patternwork.treatment.models import Course
from tests.course_fixtures import weekly

pytestmark = pytest.mark.usefixtures("frozen")

# Sunday 1 March 2026, 09:00 in London (GMT).
NOW = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)


def queued():
    return Message.objects.filter(status=Message.Status.QUEUED)


def gmt(day, hour, month=3):
    return dt.datetime(2026, month, day, hour, tzinfo=dt.UTC)


@pytest.fixture
def started(reminded_course, therapist):
    return treatment.start_course(course=reminded_course, values=weekly(), actor=therapist)


def test_starting_a_course_queues_one_reminder_per_booked_appointment(started):
    reminders = list(queued().order_by("due_at"))
    assert len(reminders) == 16
    assert reminders[0].due_at == gmt(1, 10)
    # 29 March (the clocks go forward) and after: 10:00 BST the day before, 09:00 UTC.
    assert [r.due_at for r in reminders[3:6]] == [gmt(22, 10), gmt(29, 9), gmt(5, 9, month=4)]
    assert {r.recipient_role for r in reminders} == {"client"}
    assert {r.recipient_client_id for r in reminders} == {started.client_id}


def test_syncing_again_queues_nothing_new(started, therapist):
    from patternwork.messaging.reminders import sync_course_reminders

    sync_course_reminders(started)
    sync_course_reminders(started)
    assert Message.objects.count() == 16


def test_the_key_is_unique(started):
    message = Message.objects.first()
    message.pk = None
    message.public_id = None
    with pytest.raises(IntegrityError):
        Message.objects.create(
            **{
                f.attname: getattr(message, f.attname)
                for f in Message._meta.concrete_fields
                if f.attname not in {"id", "public_id"}
            }
        )


def test_ending_the_course_withdraws_its_reminders(started, therapist):
    treatment.end_course(
        course=started, reason=Course.EndReason.DROPPED_OUT, note="", actor=therapist
    )
    assert queued().count() == 0
    assert Message.objects.filter(status=Message.Status.WITHDRAWN).count() == 16


def test_a_shorter_plan_withdraws_the_removed_appointments_reminders(started, therapist):
    treatment.change_plan(
        course=started,
        values=weekly(planned=10),
        expected_version=started.version,
        actor=therapist,
    )
    assert queued().count() == 10
    assert Message.objects.filter(status=Message.Status.WITHDRAWN).count() == 6


def test_practice_lead_time_re_times_the_reminders_and_is_audited(started, admin):
    services.update_practice_settings(
        practice=admin.practice, data={"reminder_lead_hours": 48}, changed_by=admin
    )
    assert queued().order_by("due_at").first().due_at == NOW  # 28 Feb 10:00 has passed
    assert sorted(queued().values_list("due_at", flat=True))[1] == gmt(7, 10)
    event = AuditEvent.objects.get(action="practice.update")
    assert event.changes == {"reminder_lead_hours": [24, 48]}


def test_practice_switching_reminders_off_withdraws_them(started, admin):
    services.update_practice_settings(
        practice=admin.practice, data={"send_appointment_reminders": False}, changed_by=admin
    )
    assert queued().count() == 0


def test_client_opting_out_withdraws_and_opting_in_queues_again(started):
    client = started.client
    assert services.set_reminder_preference(client=client, enabled=False, by=None) is True
    assert queued().count() == 0
    assert services.set_reminder_preference(client=client, enabled=False, by=None) is False
    services.set_reminder_preference(client=client, enabled=True, by=None)
    assert queued().count() == 16
    assert Message.objects.count() == 16
    event = AuditEvent.objects.filter(action="client.reminders").first()
    assert event.changes == {"appointment_reminders": [False, True]}


def test_no_reminder_without_consent_to_email(reminded_course, therapist):
    reminded_course.client.contact_by_email = False
    reminded_course.client.save(update_fields=["contact_by_email"])
    treatment.start_course(course=reminded_course, values=weekly(), actor=therapist)
    assert Message.objects.count() == 0


def test_a_reminder_whose_appointment_moved_behind_its_back_is_withdrawn_when_due(started, frozen):
    # A write that bypassed the sync (say, a data fix) leaves a stale reminder; the send
    # checks the appointment again and withdraws it rather than send a wrong time.
    appointment = started.appointments.order_by("starts_at").first()
    type(appointment).objects.filter(pk=appointment.pk).update(
        starts_at=gmt(2, 15), ends_at=gmt(2, 16)
    )
    frozen.move_to(gmt(1, 10))
    dispatch.tick()
    message = Message.objects.get(about_id=appointment.pk)
    assert message.status == Message.Status.WITHDRAWN


def test_a_stalled_send_is_marked_failed_not_retried(started, frozen):
    message = Message.objects.order_by("due_at").first()
    Message.objects.filter(pk=message.pk).update(status=Message.Status.SENDING)
    frozen.move_to(gmt(1, 11))
    dispatch.tick()
    message.refresh_from_db()
    assert (message.status, message.last_error) == ("failed", dispatch.STALLED_ERROR)
