"""The staff login's defences: who may reach its steps, throttling, idle sessions."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from patternwork.audit.models import AuditEvent
from tests.factories import TEST_PASSWORD, PortalClientFactory, PracticeFactory

SETUP = reverse("clinic:otp-setup")
VERIFY = reverse("clinic:otp-verify")
HOME = reverse("clinic:home")
PORTAL_LOGIN = reverse("portal:login")
PORTAL_HOME = reverse("portal:home")


@pytest.mark.parametrize("url", [SETUP, VERIFY])
def test_staff_second_factor_pages_are_not_found_for_a_client_login(client, therapist, url):
    person = PortalClientFactory(practice=therapist.practice, therapist=therapist)
    client.force_login(person.user)

    page = client.get(url)
    posted = client.post(url, {"token": "123456"})

    assert (page.status_code, posted.status_code) == (404, 404)
    assert not TOTPDevice.objects.filter(user=person.user).exists()
    assert AuditEvent.objects.filter(actor=person.user, action="access.denied").count() == 2


@pytest.mark.parametrize(
    ("minutes", "idle", "stays"), [(45, 44, True), (45, 46, False), (5, 6, False)]
)
def test_session_idle_timeout_is_the_practices_choice(
    client, login, therapist, minutes, idle, stays
):
    therapist.practice.idle_timeout_minutes = minutes
    therapist.practice.save(update_fields=["idle_timeout_minutes"])
    login(therapist)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert client.get(HOME).status_code == 200

    with time_machine.travel(start + timedelta(minutes=idle), tick=False):
        response = client.get(HOME)

    assert (response.status_code == 200) is stays
    assert ("_auth_user_id" in client.session) is stays


def test_portal_session_idle_timeout_is_the_practices_choice(client, therapist):
    therapist.practice.idle_timeout_minutes = 10
    therapist.practice.save(update_fields=["idle_timeout_minutes"])
    person = PortalClientFactory(practice=therapist.practice, therapist=therapist)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.post(PORTAL_LOGIN, {"email": person.email, "password": TEST_PASSWORD})
        assert client.get(PORTAL_HOME).status_code == 200
    with time_machine.travel(start + timedelta(minutes=9), tick=False):
        assert client.get(PORTAL_HOME).status_code == 200

    with time_machine.travel(start + timedelta(minutes=19, seconds=1), tick=False):
        response = client.get(PORTAL_HOME)

    assert response.status_code == 302
    assert response["Location"].startswith(PORTAL_LOGIN)


@pytest.mark.parametrize(("minutes", "valid"), [(4, False), (5, True), (60, True), (61, False)])
def test_practice_idle_timeout_must_lie_between_5_and_60_minutes(practice, minutes, valid):
    practice.idle_timeout_minutes = minutes

    if valid:
        practice.full_clean()
    else:
        with pytest.raises(ValidationError) as refused:
            practice.full_clean()
        assert set(refused.value.message_dict) == {"idle_timeout_minutes"}


def test_practice_idle_timeout_defaults_to_fifteen_minutes(db):
    assert PracticeFactory().idle_timeout_minutes == 15
