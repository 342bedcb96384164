"""Password resets: the staff reset is for staff, the portal has its own; both limited."""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from patternwork.audit.models import AuditEvent
from tests.factories import TEST_PASSWORD, PortalClientFactory

STAFF_RESET = reverse("clinic:password-reset")
PORTAL_RESET = reverse("portal:password-reset")
NEW = "a brand new passphrase"


def link_in(message) -> str:
    base = re.escape(settings.PATTERNWORK_BASE_URL)
    return re.search(rf"{base}(/\S+/)", message.body).group(1)


def test_staff_password_reset_sends_nothing_to_a_client_login(client, portal_login):
    response = client.post(STAFF_RESET, {"email": portal_login.email})

    assert response.status_code == 302
    assert mail.outbox == []
    portal_login.user.refresh_from_db()
    assert portal_login.user.check_password(TEST_PASSWORD)


def test_portal_password_reset_sets_a_client_password_and_audits_under_the_practice(
    client, portal_login
):
    client.post(PORTAL_RESET, {"email": portal_login.email})
    path = link_in(mail.outbox[0])
    form_page = client.get(path, follow=True)

    done = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW}
    )

    portal_login.user.refresh_from_db()
    assert path.startswith("/portal/password/reset/")
    assert done["Location"] == reverse("portal:password-reset-complete")
    assert portal_login.user.check_password(NEW)
    events = AuditEvent.objects.filter(
        action__in=["portal.password_reset_requested", "auth.password_changed"]
    )
    assert sorted((e.action, e.practice) for e in events) == [
        ("auth.password_changed", portal_login.practice),
        ("portal.password_reset_requested", portal_login.practice),
    ]


def test_portal_password_reset_sends_nothing_to_a_staff_login(client, therapist):
    client.post(PORTAL_RESET, {"email": therapist.user.email})

    assert mail.outbox == []


def test_staff_password_reset_is_audited_under_the_members_practice(client, therapist):
    client.post(STAFF_RESET, {"email": therapist.user.email})

    event = AuditEvent.objects.get(action="auth.password_reset_requested")
    assert (event.practice, event.actor_label) == (therapist.practice, therapist.user.email)


@pytest.mark.parametrize("reset", [STAFF_RESET, PORTAL_RESET])
def test_password_reset_is_limited_per_account(client, therapist, portal_login, reset):
    email = therapist.user.email if reset == STAFF_RESET else portal_login.email
    for n in range(5):
        client.post(reset, {"email": email}, REMOTE_ADDR=f"198.51.100.{n + 1}")

    assert len(mail.outbox) == settings.PASSWORD_RESET_PER_ACCOUNT == 3
    assert AuditEvent.objects.filter(action__endswith="password_reset_throttled").count() == 2


def test_password_reset_is_limited_per_address(client, practice):
    people = [PortalClientFactory(practice=practice) for _ in range(12)]
    for person in people:
        client.post(PORTAL_RESET, {"email": person.email}, REMOTE_ADDR="203.0.113.7")

    assert len(mail.outbox) == settings.PASSWORD_RESET_PER_ADDRESS == 10
