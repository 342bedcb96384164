"""Notes that go out by themselves: a shared journal entry (to the therapist), and
"your questionnaires are open" (to the client)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from patternwork.formulation import journal_services
from patternwork.measures.models import Response
from patternwork.measures.selectors import instruments_due
from patternwork.messaging import dispatch
from patternwork.messaging.models import Message
from patternwork.treatment import services as treatment
from tests.course_fixtures import weekly
from tests.factories import CourseFactory, ResponseFactory

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


QUESTIONNAIRE_NOW = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)


def test_questionnaires_open_tells_a_portal_client_once_with_a_link(
    jo, therapist, frozen, mailoutbox
):

    frozen.move_to(QUESTIONNAIRE_NOW)  # Sunday; the first session is Monday 2 March, 10:00
    course = CourseFactory(client=jo)
    treatment.start_course(course=course, values=weekly(), actor=therapist)
    first = course.appointments.earliest("starts_at")

    dispatch.tick()
    dispatch.tick()

    assert [m.subject for m in mailoutbox] == ["Your questionnaires are open"]
    note = mailoutbox[0]
    assert note.to == [jo.email]
    assert f"/portal/appointments/{first.public_id}/questionnaires/" in note.body
    assert "on Monday 2 March 2026, 10:00" in note.body
    assert "Jo" not in note.body
    assert "Bloggs" not in note.body
    # The next week's opens on 7 March at 10:00; nothing yet.
    assert Message.objects.filter(kind="questionnaires_open", status="queued").count() == 15


def test_questionnaires_open_is_withdrawn_when_the_answers_are_already_in(
    jo, therapist, frozen, mailoutbox
):

    frozen.move_to(QUESTIONNAIRE_NOW)
    course = CourseFactory(client=jo)
    treatment.start_course(course=course, values=weekly(), actor=therapist)
    first = course.appointments.earliest("starts_at")
    for code in instruments_due(first):
        ResponseFactory(appointment=first, instrument=code, status=Response.Status.COMPLETE)

    dispatch.tick()

    assert mailoutbox == []
    message = Message.objects.get(kind="questionnaires_open", about_id=first.pk)
    assert message.status == Message.Status.WITHDRAWN
