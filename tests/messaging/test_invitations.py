"""Invitations go through the outbox: logged, retried, and withdrawn once superseded."""

import datetime as dt

import pytest

from patternwork.accounts import services as account_services
from patternwork.clients import logins
from patternwork.messaging import dispatch
from patternwork.messaging.models import Message
from tests.factories import ClientFactory
from tests.messaging.conftest import free_port

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def held(settings):
    """Tasks are stored, not run: the test sends each message itself."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def rob(therapist):
    return ClientFactory(
        practice=therapist.practice,
        therapist=therapist,
        full_name="Robin Example",
        email="rob@example.test",
        contact_by_email=True,
    )


def test_a_superseded_portal_invitation_is_withdrawn_and_the_new_one_sent(
    held, rob, therapist, frozen, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        logins.invite_client(client=rob, by=therapist)
    frozen.shift(dt.timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=True):
        logins.invite_client(client=rob, by=therapist)

    old, new = Message.objects.order_by("created_at", "pk")
    assert dispatch.send_message(old.pk) == Message.Status.WITHDRAWN
    assert dispatch.send_message(new.pk) == Message.Status.SENT

    [email] = mailoutbox
    assert email.to == ["rob@example.test"]
    path = email.body.split("http://127.0.0.1:8000", 1)[1].split()[0]
    rob.refresh_from_db()
    assert logins.client_for_invitation_token(path.strip("/").split("/")[-1]) == rob
    new.refresh_from_db()
    assert (new.kind, new.recipient_role, new.recipient_client_id) == (
        "client_invitation",
        "client",
        rob.pk,
    )


def test_a_staff_invitation_is_retried_when_the_mail_server_is_down(
    held, admin, frozen, mailoutbox, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        account_services.invite_staff(
            practice=admin.practice,
            email="nia@example.test",
            full_name="Nia Newcomer",
            role="therapist",
            invited_by=admin,
        )
    message = Message.objects.get()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nothing listens

    assert dispatch.send_message(message.pk) == Message.Status.QUEUED
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    frozen.shift(dt.timedelta(minutes=1))
    assert dispatch.send_message(message.pk) == Message.Status.SENT

    message.refresh_from_db()
    assert (message.kind, message.recipient_role, message.attempts) == (
        "staff_invitation",
        "therapist",
        2,
    )
    [email] = mailoutbox
    assert email.to == ["nia@example.test"]
    assert email.subject == "You have been invited to Northgate Therapies on Patternwork"


def test_a_staff_invitation_already_accepted_is_withdrawn(
    held, admin, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        member = account_services.invite_staff(
            practice=admin.practice,
            email="nia@example.test",
            full_name="Nia Newcomer",
            role="therapist",
            invited_by=admin,
        )
    account_services.accept_invitation(user=member.user, password="a-long-pass-phrase-2026")

    assert dispatch.send_message(Message.objects.get().pk) == Message.Status.WITHDRAWN
    assert mailoutbox == []
