"""Notes to staff that go out by themselves: a shared journal entry."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from patternwork.formulation import journal_services
from patternwork.messaging import dispatch
from patternwork.messaging.models import Message

pytestmark = pytest.mark.usefixtures("frozen")


def write(course):
    return journal_services.write_entry(
        client=course.client,
        course=course,
        written_on=dt.date(2026, 4, 1),
        answers={"moment": "Sam cancelled dinner.", "wanted": "To matter to Sam."},
        body="JOURNAL-CANARY body text",
        user=course.client.user,
    )


def test_sharing_an_entry_emails_the_therapist_a_note_without_name_or_text(
    jo_course, therapist, mailoutbox
):
    entry = write(jo_course)
    journal_services.share_entry(entry=entry, user=jo_course.client.user)
    journal_services.share_entry(entry=entry, user=jo_course.client.user)  # a no-op

    dispatch.tick()
    dispatch.tick()

    assert len(mailoutbox) == 1
    note = mailoutbox[0]
    assert note.to == [therapist.user.email]
    assert note.subject == "A client has shared a journal entry with you"
    assert f"/journal/{entry.public_id}/" in note.body
    for secret in ("Jo", "Bloggs", "Sam", "CANARY", "dinner"):
        assert secret not in note.subject + note.body
    message = Message.objects.get()
    assert (message.recipient_role, message.status) == ("therapist", "sent")


def test_a_note_for_an_entry_unshared_before_it_went_is_withdrawn(jo_course, mailoutbox):
    entry = write(jo_course)
    journal_services.share_entry(entry=entry, user=jo_course.client.user)
    journal_services.unshare_entry(entry=entry, user=jo_course.client.user)

    dispatch.tick()

    assert mailoutbox == []
    assert Message.objects.get().status == Message.Status.WITHDRAWN


def test_a_refused_share_queues_no_note(jo_course):
    entry = write(jo_course)
    type(jo_course).objects.filter(pk=jo_course.pk).update(
        state="ended", end_reason="completed", ended_at=dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
    )

    with pytest.raises(ValidationError):
        journal_services.share_entry(entry=entry, user=jo_course.client.user)

    assert Message.objects.count() == 0
