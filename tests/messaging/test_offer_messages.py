"""A waiting client is emailed when a start is offered and when the offer lapses."""

import datetime as dt

import pytest

from patternwork.messaging import dispatch
from patternwork.messaging.models import Message
from patternwork.treatment.models import WaitingEntry
from patternwork.treatment.services import assessment as assessments
from patternwork.treatment.services import waiting
from tests.course_fixtures import NOW
from tests.factories import ClientFactory, CourseFactory


@pytest.fixture
def entry(therapist, frozen):
    client = ClientFactory(
        practice=therapist.practice,
        therapist=therapist,
        full_name="Robin Waiting",
        email="robin@example.test",
        contact_by_email=True,
    )
    course = CourseFactory(client=client)
    record = assessments.open_assessment(course=course, actor=therapist)
    record = assessments.save_assessment(
        assessment=record,
        data={
            "presenting": "Low since the move; I keep to myself.",
            "suitability": "suitable",
            "suitability_reasons": "A clear pattern with others.",
        },
        expected_version=record.version,
        actor=therapist,
    )
    assessments.decide(
        assessment=record, decision="offer_dit", expected_version=record.version, actor=therapist
    )
    return WaitingEntry.objects.get()


def test_an_offer_emails_the_client_once_and_its_lapse_too(
    entry, therapist, frozen, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        offer = waiting.make_offer(
            entry=entry, therapist=therapist, starts_at=NOW + dt.timedelta(weeks=3), actor=therapist
        )

    made = Message.objects.get(kind="offer_made")
    assert (made.recipient_role, made.recipient_client_id) == ("client", entry.course.client_id)
    dispatch.send_message(made.pk)
    dispatch.send_message(made.pk)
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["robin@example.test"]
    assert "offer" in mailoutbox[0].subject.lower()

    frozen.shift(dt.timedelta(days=8))
    with django_capture_on_commit_callbacks(execute=True):
        dispatch.tick()
    offer.refresh_from_db()
    lapsed = Message.objects.get(kind="offer_lapsed")
    dispatch.send_message(lapsed.pk)

    assert offer.status == "lapsed"
    assert len(mailoutbox) == 2
    for email in mailoutbox:
        assert "Robin" not in email.body
        assert "Low since the move" not in email.body
        assert "pattern" not in email.body


def test_an_offer_answered_before_its_email_goes_is_not_sent(
    entry, therapist, frozen, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        offer = waiting.make_offer(
            entry=entry, therapist=therapist, starts_at=NOW + dt.timedelta(weeks=3), actor=therapist
        )
    waiting.answer_offer(offer=offer, accept=False, user=therapist.user, role=therapist.role)

    dispatch.send_message(Message.objects.get(kind="offer_made").pk)

    assert mailoutbox == []
    assert Message.objects.get(kind="offer_made").status == Message.Status.WITHDRAWN
