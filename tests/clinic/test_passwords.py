import re

from django.conf import settings
from django.core import mail
from django.urls import reverse

from patternwork.audit.models import AuditEvent
from tests.factories import TEST_PASSWORD

RESET = reverse("clinic:password-reset")


def reset_link(message) -> str:
    base = re.escape(settings.PATTERNWORK_BASE_URL)
    return re.search(rf"{base}(/password/reset/\S+/\S+/)", message.body).group(1)


def test_password_reset_sends_a_single_use_link(client, therapist):
    client.post(RESET, {"email": therapist.user.email})
    path = reset_link(mail.outbox[0])

    form_page = client.get(path, follow=True)
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(
        set_url, {"new_password1": "brand new passphrase", "new_password2": "brand new passphrase"}
    )
    reused = client.get(path, follow=True)

    therapist.user.refresh_from_db()
    assert done.status_code == 302
    assert therapist.user.check_password("brand new passphrase")
    assert b"cannot be used" in reused.content
    assert (
        AuditEvent.objects.filter(action="auth.password_changed", actor=therapist.user).count() == 1
    )


def test_password_reset_response_is_the_same_for_unknown_addresses(client, therapist):
    known = client.post(RESET, {"email": therapist.user.email})
    unknown = client.post(RESET, {"email": "nobody@example.test"})

    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert len(mail.outbox) == 1


def test_password_reset_does_not_bypass_the_second_factor(client, therapist):
    client.post(RESET, {"email": therapist.user.email})
    form_page = client.get(reset_link(mail.outbox[0]), follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "brand new passphrase", "new_password2": "brand new passphrase"},
    )

    response = client.get(reverse("clinic:home"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("clinic:login"))


def test_password_reset_link_lasts_at_most_an_hour(settings):
    assert settings.PASSWORD_RESET_TIMEOUT <= 3600


def test_password_change_keeps_the_session_and_audits(client, login, therapist):
    login(therapist)

    response = client.post(
        reverse("clinic:password-change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "another long passphrase",
            "new_password2": "another long passphrase",
        },
    )

    therapist.user.refresh_from_db()
    assert response.status_code == 302
    assert therapist.user.check_password("another long passphrase")
    assert client.get(reverse("clinic:home")).status_code == 200
    assert AuditEvent.objects.filter(action="auth.password_changed").count() == 1


def test_password_change_rejects_a_wrong_old_password(client, login, therapist):
    login(therapist)

    response = client.post(
        reverse("clinic:password-change"),
        {
            "old_password": "wrong-old-password",
            "new_password1": "x" * 20,
            "new_password2": "x" * 20,
        },
    )

    therapist.user.refresh_from_db()
    assert response.status_code == 200
    assert response.context["form"].errors["old_password"]
    assert therapist.user.check_password(TEST_PASSWORD)
