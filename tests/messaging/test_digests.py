"""The daily digest of risk flags left unacknowledged for more than one working day."""

import datetime as dt

import pytest

from patternwork.measures import services as measures
from patternwork.messaging import dispatch
from patternwork.messaging.models import Message
from tests.factories import (
    AppointmentFactory,
    ClientFactory,
    CourseFactory,
    RiskFlagFactory,
)

pytestmark = pytest.mark.usefixtures("frozen")

# Monday 7 December 2026, 07:30 in London (GMT): before the digest hour.
NOW = dt.datetime(2026, 12, 7, 7, 30, tzinfo=dt.UTC)


def gmt(day, hour, minute=0):
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=dt.UTC)


def flag(therapist, raised_at, name="Jo Bloggs"):
    client = ClientFactory(practice=therapist.practice, therapist=therapist, full_name=name)
    appointment = AppointmentFactory(
        course=CourseFactory(client=client, state="active"),
        status="attended",
        session_number=1,
        starts_at=raised_at - dt.timedelta(hours=1),
        ends_at=raised_at - dt.timedelta(minutes=10),
    )
    return RiskFlagFactory(response__appointment=appointment, raised_at=raised_at)


def test_digest_goes_to_therapist_and_supervisor_once_a_day(
    therapist, supervisor, other_therapist, frozen, mailoutbox
):
    flag(therapist, gmt(3, 15))  # Thursday afternoon: overdue on Monday morning
    flag(other_therapist, gmt(4, 9))  # Friday 09:00: one working day old only at Monday 09:00

    dispatch.tick()
    assert mailoutbox == []  # before 08:00
    frozen.move_to(gmt(7, 8))
    dispatch.tick()
    dispatch.tick()

    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [therapist.user.email, supervisor.user.email]
    )
    assert {m.subject for m in mailoutbox} == {"Risk flags are waiting for acknowledgement"}
    for message in mailoutbox:
        for secret in ("Jo", "Bloggs", "PHQ", "better off dead", "Several days"):
            assert secret not in message.body
    roles = set(Message.objects.values_list("recipient_role", flat=True))
    assert roles == {"therapist", "supervisor"}


def test_no_digest_at_the_weekend_and_again_on_the_next_working_day(therapist, frozen, mailoutbox):
    flag(therapist, gmt(3, 9))
    frozen.move_to(dt.datetime(2026, 12, 5, 9, 0, tzinfo=dt.UTC))  # Saturday
    dispatch.tick()
    assert mailoutbox == []
    frozen.move_to(gmt(7, 9))  # Monday
    dispatch.tick()
    frozen.move_to(gmt(8, 9))  # Tuesday: still waiting, so again
    dispatch.tick()
    assert len(mailoutbox) == 2


def test_digest_acknowledged_before_it_went_is_withdrawn(therapist, frozen, mailoutbox, settings):
    risk = flag(therapist, gmt(3, 9))
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    frozen.move_to(gmt(7, 9))
    dispatch.tick()  # queued and handed over, but the dummy backend runs nothing
    measures.acknowledge_flag(
        flag=risk, note="Rang the client; safety plan reviewed.", actor=therapist
    )

    message = Message.objects.get()
    assert dispatch.send_message(message.pk) == Message.Status.WITHDRAWN
    assert mailoutbox == []
