"""Emailed links come from PATTERNWORK_BASE_URL, never from the request's Host header."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from patternwork.core.links import absolute_url
from tests.factories import ClientFactory

BASE = "https://patternwork.example.org"
HOSTILE = "attacker.example"
LINK = re.compile(r"https?://[^\s/]+/\S*")


@pytest.fixture
def hostile_host(settings):
    """A forged Host header that ALLOWED_HOSTS lets through, and a configured base URL."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, HOSTILE]
    settings.PATTERNWORK_BASE_URL = BASE
    return {"HTTP_HOST": HOSTILE}


def links_in(message) -> list[str]:
    return LINK.findall(message.body)


def test_absolute_url_joins_the_base_url_and_the_path(settings):
    settings.PATTERNWORK_BASE_URL = "http://127.0.0.1:8123"

    assert absolute_url("/portal/login/") == "http://127.0.0.1:8123/portal/login/"


def test_absolute_url_refuses_a_relative_path(settings):
    with pytest.raises(ValueError, match="must start with /"):
        absolute_url("portal/login/")


def test_password_reset_email_ignores_a_hostile_host(client, therapist, hostile_host):
    client.post(reverse("clinic:password-reset"), {"email": therapist.user.email}, **hostile_host)

    [message] = mail.outbox
    [link] = links_in(message)
    assert link.startswith(f"{BASE}/password/reset/")
    assert HOSTILE not in message.body


def test_staff_invitation_email_ignores_a_hostile_host(
    client, login, admin, hostile_host, django_capture_on_commit_callbacks
):
    login(admin)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("clinic:staff-invite"),
            {"full_name": "Nia Newcomer", "email": "nia@example.test", "role": "therapist"},
            **hostile_host,
        )

    [message] = mail.outbox
    [link] = links_in(message)
    assert link.startswith(f"{BASE}/invitation/")
    assert HOSTILE not in message.body


def test_portal_invitation_email_ignores_a_hostile_host(
    client, login, therapist, hostile_host, django_capture_on_commit_callbacks
):
    invitee = ClientFactory(
        practice=therapist.practice,
        therapist=therapist,
        email="jo.bloggs@example.test",
        contact_by_email=True,
    )
    login(therapist)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("clinic:client-portal-invite", args=[invitee.public_id]), **hostile_host
        )

    [message] = mail.outbox
    invitation, portal_login = links_in(message)
    assert invitation.startswith(f"{BASE}/portal/invitation/")
    assert portal_login == f"{BASE}/portal/login/?practice={therapist.practice.slug}"
    assert HOSTILE not in message.body
