"""The staff login's defences: who may reach its steps, throttling, idle sessions."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.urls import reverse
from django.utils import timezone

from patternwork.accounts import throttle
from patternwork.accounts.models import TOTPDevice
from patternwork.audit.models import AuditEvent
from patternwork.core import checks
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


def _fail(client, email, address):
    client.post(
        reverse("clinic:login"),
        {"email": email, "password": "not-the-password-1"},
        REMOTE_ADDR=address,
    )


def _login_status(client, user, address):
    response = client.post(
        reverse("clinic:login"),
        {"email": user.email, "password": TEST_PASSWORD},
        REMOTE_ADDR=address,
    )
    client.logout()
    return response.status_code


def test_account_throttle_backs_off_instead_of_locking_for_the_whole_window(
    client, therapist, frozen
):
    start = timezone.now()
    for _ in range(5):
        _fail(client, therapist.user.email, "203.0.113.9")

    assert _login_status(client, therapist.user, "198.51.100.7") == 200  # refused: waits
    frozen.move_to(start + timedelta(seconds=31))
    assert _login_status(client, therapist.user, "198.51.100.7") == 302


def test_account_throttle_wait_doubles_with_each_further_failure(client, therapist, frozen):
    start = timezone.now()
    for _ in range(5):
        _fail(client, therapist.user.email, "203.0.113.9")
    frozen.move_to(start + timedelta(seconds=31))
    _fail(client, therapist.user.email, "203.0.113.9")  # the sixth: now a minute's wait

    frozen.move_to(start + timedelta(seconds=31 + 59))
    refused = _login_status(client, therapist.user, "198.51.100.7")
    frozen.move_to(start + timedelta(seconds=31 + 61))
    allowed = _login_status(client, therapist.user, "198.51.100.7")

    assert (refused, allowed) == (200, 302)


@pytest.mark.parametrize(
    ("failures", "wait"),
    [(4, 0), (5, 30), (6, 60), (7, 120), (9, 480), (10, 900), (40, 900)],
)
def test_backoff_doubles_from_thirty_seconds_to_fifteen_minutes(failures, wait):
    assert throttle.backoff(failures, 5) == timedelta(seconds=wait)


def test_portal_login_is_not_blocked_by_a_flood_from_its_address(client, therapist, settings):
    person = PortalClientFactory(practice=therapist.practice, therapist=therapist)
    for n in range(settings.LOGIN_THROTTLE_PER_ADDRESS + 5):
        _fail(client, f"someone{n}@example.test", "203.0.113.60")

    response = client.post(
        PORTAL_LOGIN,
        {"email": person.email, "password": TEST_PASSWORD},
        REMOTE_ADDR="203.0.113.60",
    )

    assert response.status_code == 302
    assert response["Location"] == PORTAL_HOME


def test_request_through_an_undeclared_proxy_is_refused(client, db, settings):
    settings.PATTERNWORK_TRUSTED_PROXIES = None

    response = client.get(reverse("clinic:login"), HTTP_X_FORWARDED_FOR="198.51.100.7")

    assert response.status_code == 503
    assert "PATTERNWORK_TRUSTED_PROXIES" in response.content.decode()


@pytest.mark.parametrize(("proxies", "audited"), [(0, "127.0.0.1"), (1, "198.51.100.7")])
def test_declared_proxy_count_decides_the_audited_address(client, db, settings, proxies, audited):
    settings.PATTERNWORK_TRUSTED_PROXIES = proxies

    client.post(
        reverse("clinic:login"),
        {"email": "nobody@example.test", "password": "x"},
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )

    assert AuditEvent.objects.get(action="auth.login_failed").remote_addr == audited


def test_proxy_ssl_header_without_a_proxy_count_fails_the_system_check(settings):
    settings.PATTERNWORK_PROXY_SSL_HEADER = True
    settings.PATTERNWORK_TRUSTED_PROXIES = None

    assert [error.id for error in checks.check_proxy_settings()] == ["patternwork.E002"]
    with pytest.raises(ImproperlyConfigured):
        checks.verify_proxy_settings()
    settings.PATTERNWORK_TRUSTED_PROXIES = 1
    assert checks.check_proxy_settings() == []
