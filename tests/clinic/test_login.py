import re
from datetime import timedelta
from urllib.parse import quote

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP

from patternwork.accounts.login import LOGIN_FAILED, SETUP_KEY, WRONG_SETUP_CODE
from patternwork.accounts.models import LoginFailure, TOTPDevice
from patternwork.audit.models import AuditEvent
from tests.factories import TEST_PASSWORD, TOTPDeviceFactory

LOGIN = reverse("clinic:login")
VERIFY = reverse("clinic:otp-verify")
SETUP = reverse("clinic:otp-setup")
HOME = reverse("clinic:home")
PROFILE = reverse("clinic:profile")
NEXT_HOME = quote(HOME, safe="")


def code_for(device, at=None):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = (at or timezone.now()).timestamp()
    return f"{totp.token():06d}"


def normalised(response, email):
    """The page without the per-render CSRF tokens and the echoed address."""
    body = response.content.decode().replace(email, "EMAIL")
    return re.sub(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+', r"\1TOKEN", body)


def password_step(client, user, password=TEST_PASSWORD, **extra):
    return client.post(LOGIN, {"email": user.email, "password": password}, **extra)


@pytest.fixture
def device(therapist):
    return TOTPDeviceFactory(user=therapist.user)


def test_login_two_steps_reach_the_caseload(client, therapist, device):
    response = password_step(client, therapist.user)
    assert response.status_code == 302
    assert response["Location"] == f"{VERIFY}?next={NEXT_HOME}"

    response = client.post(VERIFY, {"token": code_for(device), "next": HOME})

    assert response.status_code == 302
    assert response["Location"] == HOME
    page = client.get(HOME)
    assert page.status_code == 200
    assert b"Caseload" in page.content
    actions = list(
        AuditEvent.objects.filter(actor=therapist.user)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["auth.login.password", "auth.login.otp"]


def test_login_password_alone_does_not_reach_staff_pages(client, therapist, device):
    password_step(client, therapist.user)

    response = client.get(HOME)

    assert response.status_code == 302
    assert response["Location"] == f"{VERIFY}?next={NEXT_HOME}"


def test_login_without_device_goes_to_setup_and_enrols(client, therapist):
    response = password_step(client, therapist.user)
    assert response["Location"] == f"{SETUP}?next={NEXT_HOME}"

    page = client.get(SETUP)
    assert page.status_code == 200
    assert b"<svg" in page.content
    assert not TOTPDevice.objects.exists()  # nothing stored until the app proves itself
    key = client.session[SETUP_KEY]
    assert client.get(SETUP).context["secret"] == page.context["secret"]

    response = client.post(SETUP, {"token": code_for(TOTPDevice(key=key))})

    assert response.status_code == 302
    device = therapist.user.authenticator_apps.get()
    assert (device.key, device.confirmed) == (key, True)
    assert client.get(HOME).status_code == 200
    assert AuditEvent.objects.filter(action="auth.login.otp_enrolled").count() == 1
    assert AuditEvent.objects.filter(action="auth.second_factor_enabled").count() == 1
    assert SETUP_KEY not in client.session


def test_login_setup_with_a_wrong_code_stores_nothing_and_is_audited(client, therapist):
    password_step(client, therapist.user)
    client.get(SETUP)
    right = code_for(TOTPDevice(key=client.session[SETUP_KEY]))

    response = client.post(SETUP, {"token": f"{(int(right) + 1) % 1_000_000:06d}"})

    assert response.status_code == 200
    assert response.context["form"].errors == {"token": [str(WRONG_SETUP_CODE)]}
    assert not TOTPDevice.objects.exists()
    assert AuditEvent.objects.filter(action="auth.otp_failed", actor=therapist.user).count() == 1


def test_login_setup_is_refused_once_a_device_is_confirmed(client, therapist, device):
    password_step(client, therapist.user)

    response = client.get(SETUP)

    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)


def test_otp_replayed_code_is_refused(client, therapist, device):
    code = code_for(device)
    password_step(client, therapist.user)
    assert client.post(VERIFY, {"token": code}).status_code == 302
    client.post(reverse("clinic:logout"))

    password_step(client, therapist.user)
    response = client.post(VERIFY, {"token": code})

    assert response.status_code == 200
    assert b"already been used" in response.content
    assert client.get(HOME).status_code == 302


def test_otp_wrong_code_is_refused_and_audited(client, therapist, device):
    password_step(client, therapist.user)
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"

    response = client.post(VERIFY, {"token": wrong})

    assert response.status_code == 200
    assert AuditEvent.objects.filter(action="auth.otp_failed", actor=therapist.user).count() == 1


@pytest.mark.parametrize(("steps", "accepted"), [(-1, True), (1, True), (-2, False), (2, False)])
def test_otp_tolerates_one_time_step_of_drift(client, therapist, device, steps, accepted):
    password_step(client, therapist.user)
    at = timezone.now() + timedelta(seconds=30 * steps)

    response = client.post(VERIFY, {"token": code_for(device, at)})

    assert (response.status_code == 302) is accepted


def test_otp_throttle_delays_after_repeated_wrong_codes(client, therapist, device):
    start = timezone.now()
    password_step(client, therapist.user)
    elapsed = 0
    for attempt in range(5):
        elapsed += 2**attempt + 1  # wait out the previous delay each time
        with time_machine.travel(start + timedelta(seconds=elapsed), tick=False):
            wrong = code_for(device, timezone.now() + timedelta(hours=1))
            client.post(VERIFY, {"token": wrong})
    device.refresh_from_db()

    with time_machine.travel(start + timedelta(seconds=elapsed + 1), tick=False):
        allowed, details = device.verify_is_allowed()
        response = client.post(VERIFY, {"token": code_for(device)})

    assert device.throttling_failure_count == 5
    assert allowed is False
    assert details["locked_until"] - device.throttling_failure_timestamp >= timedelta(seconds=8)
    assert response.status_code == 200
    assert b"Too many wrong codes" in response.content


def test_otp_session_id_changes_on_login_and_on_verification(client, therapist, device):
    client.get(LOGIN)
    before = client.cookies.get("sessionid")
    password_step(client, therapist.user)
    after_password = client.session.session_key
    client.post(VERIFY, {"token": code_for(device)})
    after_otp = client.session.session_key

    assert before is None or before.value != after_password
    assert after_password != after_otp


def test_login_failure_message_is_identical_for_unknown_accounts(client, therapist):
    known = client.post(LOGIN, {"email": therapist.user.email, "password": "wrong-password-123"})
    unknown = client.post(LOGIN, {"email": "nobody@example.test", "password": "wrong-password-123"})

    assert known.status_code == unknown.status_code == 200
    assert LOGIN_FAILED.encode() in known.content
    assert normalised(known, therapist.user.email) == normalised(unknown, "nobody@example.test")


def test_login_failure_is_audited(client, therapist):
    password_step(client, therapist.user, password="not-the-password-1")

    event = AuditEvent.objects.get(action="auth.login_failed")
    assert (event.actor_label, event.outcome, event.remote_addr) == (
        therapist.user.email,
        "failure",
        "127.0.0.1",
    )


def test_throttle_engages_after_five_bad_passwords(client, therapist, device):
    for _ in range(5):
        password_step(client, therapist.user, password="not-the-password-1")

    response = password_step(client, therapist.user)

    assert response.status_code == 200
    assert b"Too many failed attempts" in response.content
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.login_throttled").count() == 1


def test_throttle_lets_the_real_user_in_from_elsewhere_after_the_cool_off(client, therapist):
    for _ in range(5):
        password_step(
            client, therapist.user, password="attacker-guess-1", REMOTE_ADDR="203.0.113.9"
        )

    refused = password_step(client, therapist.user, REMOTE_ADDR="198.51.100.7")
    with time_machine.travel(timezone.now() + timedelta(minutes=15, seconds=1)):
        allowed = password_step(client, therapist.user, REMOTE_ADDR="198.51.100.7")

    assert b"Too many failed attempts" in refused.content
    assert allowed.status_code == 302


def test_throttle_per_address_flood_never_blocks_an_account_it_did_not_guess_at(
    client, therapist, settings
):
    for n in range(settings.LOGIN_THROTTLE_PER_ADDRESS):
        client.post(
            LOGIN,
            {"email": f"target{n}@example.test", "password": "guess-guess-1"},
            REMOTE_ADDR="203.0.113.50",
        )

    response = password_step(client, therapist.user, REMOTE_ADDR="203.0.113.50")

    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_throttle_per_address_backs_off_the_accounts_guessed_at_from_there(
    client, therapist, settings
):
    client.post(
        LOGIN,
        {"email": therapist.user.email, "password": "guess-guess-1"},
        REMOTE_ADDR="203.0.113.50",
    )
    for n in range(settings.LOGIN_THROTTLE_PER_ADDRESS):
        client.post(
            LOGIN,
            {"email": f"target{n}@example.test", "password": "guess-guess-1"},
            REMOTE_ADDR="203.0.113.50",
        )

    refused = password_step(client, therapist.user, REMOTE_ADDR="203.0.113.50")
    elsewhere = password_step(client, therapist.user, REMOTE_ADDR="198.51.100.8")

    assert b"Too many failed attempts" in refused.content
    assert elsewhere.status_code == 302


def test_throttle_forgets_failures_after_a_successful_login(client, therapist):
    for _ in range(4):
        password_step(client, therapist.user, password="typo-password-1")

    password_step(client, therapist.user)

    assert LoginFailure.objects.filter(username=therapist.user.email).count() == 0


def test_login_next_parameter_cannot_redirect_off_site(client, therapist, device):
    password_step(client, therapist.user)

    response = client.post(VERIFY, {"token": code_for(device), "next": "https://evil.example/"})

    assert response["Location"] == HOME


def test_logout_ends_the_session_and_a_replayed_cookie_is_useless(client, therapist, device, login):
    login(therapist)
    old_cookie = client.cookies["sessionid"].value

    client.post(reverse("clinic:logout"))
    client.cookies["sessionid"] = old_cookie
    response = client.get(HOME)

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert AuditEvent.objects.filter(action="auth.logout").count() == 1


def test_session_expires_after_fifteen_minutes_idle_by_default(client, therapist, login):
    login(therapist)
    assert client.get(HOME).status_code == 200

    with time_machine.travel(timezone.now() + timedelta(minutes=14)):
        assert client.get(HOME).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(minutes=14 + 15, seconds=1)):
        response = client.get(HOME)

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_session_ends_after_twelve_hours_even_when_busy(client, therapist, device):
    # The longest idle timeout a practice may choose (60 minutes) keeps the session busy
    # with a request every 59 minutes, 12 requests instead of the 51 that the 15-minute
    # default needs; the absolute limit does not depend on it. A plain staff page (the
    # profile) carries the requests: the session middleware treats every page alike.
    therapist.practice.idle_timeout_minutes = 60
    therapist.practice.save(update_fields=["idle_timeout_minutes"])
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        password_step(client, therapist.user)
        client.post(VERIFY, {"token": code_for(device)})
    for minutes in range(59, 12 * 60, 59):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert client.get(PROFILE).status_code == 200

    with time_machine.travel(start + timedelta(hours=12, minutes=1), tick=False):
        response = client.get(PROFILE)

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
