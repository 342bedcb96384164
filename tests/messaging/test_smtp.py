"""The outbox against a real SMTP server (aiosmtpd, started by the test): no mocks."""

import datetime as dt
import email
from email import policy

import pytest

from patternwork.messaging import dispatch
from patternwork.messaging.models import Message
from patternwork.treatment import services as treatment
from tests.course_fixtures import weekly
from tests.messaging.conftest import free_port

pytestmark = pytest.mark.usefixtures("frozen")

# Sunday 1 March 2026, 09:00 in London (GMT): the first session is tomorrow at 10:00.
NOW = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
LONDON = dt.UTC  # March before the 29th: London is on GMT


def at(day, hour, minute=0):
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=LONDON)


def body(text):
    content = email.message_from_string(text, policy=policy.default).get_body().get_content()
    return content.replace("\r\n", "\n").strip() + "\n"


EXPECTED_FIRST = """Hello,

This is a reminder of your treatment session at Northgate Therapies on Monday 2 March 2026, 10:00.

You can see your appointments, and add them to your calendar, on the portal:
http://127.0.0.1:8000/portal/

If you cannot come, please let the practice know.
To stop these reminders, choose "Reminders" on the portal.

This message was sent automatically; replies are not read.
"""


def test_reminder_24_hours_ahead_is_sent_once_even_when_the_worker_runs_twice(
    smtp, reminded_course, therapist, frozen
):
    treatment.start_course(course=reminded_course, values=weekly(), actor=therapist)
    assert dispatch.tick() == 0
    frozen.move_to(at(1, 10))

    assert dispatch.tick() == 1
    assert dispatch.tick() == 0
    reminder = Message.objects.get(status=Message.Status.SENT)
    assert dispatch.send_message(reminder.pk) == "skipped"

    assert len(smtp.envelopes) == 1
    assert smtp.envelopes[0].rcpt_tos == ["jo.bloggs@example.test"]
    assert body(smtp.texts[0]) == EXPECTED_FIRST
    assert (reminder.attempts, reminder.sent_at, reminder.last_error) == (1, at(1, 10), "")


def test_move_re_times_the_reminder_and_cancellation_withdraws_it(
    smtp, reminded_course, therapist, frozen
):
    treatment.start_course(course=reminded_course, values=weekly(), actor=therapist)
    second, third = reminded_course.appointments.order_by("starts_at")[1:3]
    treatment.move_appointment(
        appointment=second, new_start=at(10, 14), scope="single", actor=therapist
    )
    treatment.cancel_appointment(appointment=third, by="client", reason="Away", actor=therapist)

    withdrawn = Message.objects.filter(status=Message.Status.WITHDRAWN)
    assert sorted(m.about_id for m in withdrawn) == [second.pk, third.pk]
    retimed = Message.objects.get(about_id=second.pk, status=Message.Status.QUEUED)
    assert retimed.due_at == at(9, 14)

    frozen.move_to(at(1, 10))
    dispatch.tick()  # the reminder for 2 March
    frozen.move_to(at(9, 10, 30))
    dispatch.tick()  # nothing for the moved one (due at 14:00) or the cancelled one
    assert len(smtp.envelopes) == 1
    frozen.move_to(at(9, 14))
    assert dispatch.tick() == 1
    assert "on Tuesday 10 March 2026, 14:00." in body(smtp.texts[1])
    frozen.move_to(at(15, 10))
    dispatch.tick()
    # 16 March (the cancelled third session) got none; 23 March's is not yet due.
    assert [e.rcpt_tos for e in smtp.envelopes] == [["jo.bloggs@example.test"]] * 2


def test_failed_send_to_a_server_that_is_down_is_retried(
    smtp, reminded_course, therapist, frozen, settings
):
    treatment.start_course(course=reminded_course, values=weekly(), actor=therapist)
    settings.EMAIL_PORT = free_port()  # nothing listens there
    frozen.move_to(at(1, 10))

    dispatch.tick()
    reminder = Message.objects.get(about_id=reminded_course.appointments.earliest("starts_at").pk)
    assert reminder.status == Message.Status.QUEUED
    assert reminder.attempts == 1
    assert reminder.last_error.startswith("ConnectionRefusedError")
    assert reminder.due_at == at(1, 10, 1)

    settings.EMAIL_PORT = smtp.controller.port
    assert dispatch.tick() == 0  # back-off: not yet due again
    frozen.move_to(at(1, 10, 1))
    assert dispatch.tick() == 1
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts, reminder.last_error) == ("sent", 2, "")
    assert len(smtp.envelopes) == 1


def test_send_refused_by_the_server_is_retried_then_given_up(
    smtp, reminded_course, therapist, frozen
):
    treatment.start_course(course=reminded_course, values=weekly(), actor=therapist)
    smtp.refuse = True
    frozen.move_to(at(1, 10))
    reminder = Message.objects.order_by("due_at").first()
    for minutes in (0, 1, 3, 7, 15):
        frozen.move_to(at(1, 10, minutes))
        dispatch.tick()
        reminder.refresh_from_db()
    assert reminder.status == Message.Status.FAILED
    assert reminder.attempts == 5
    assert reminder.last_error.startswith("SMTPDataError: (554")
    assert smtp.envelopes == []


def test_no_message_holds_the_client_name_or_clinical_text(
    smtp, reminded_course, therapist, frozen
):
    reminded_course.client.gp_name = "Dr Example"
    reminded_course.client.save(update_fields=["gp_name"])
    treatment.start_course(course=reminded_course, values=weekly(), actor=therapist)
    for day in (1, 8, 15):
        frozen.move_to(at(day, 10))
        dispatch.tick()
    assert len(smtp.envelopes) == 3
    for text in smtp.texts:
        parsed = email.message_from_string(text, policy=policy.default)
        seen = parsed["Subject"] + "\n" + body(text)
        for word in ("Jo", "Bloggs", "PHQ", "GAD", "risk", "note", "Dr Example", "C0", "DIT"):
            assert word not in seen
