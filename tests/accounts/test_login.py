from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP

from patternwork.accounts import login
from patternwork.accounts.models import LoginFailure, Practice, TOTPDevice
from patternwork.audit.models import AuditEvent
from tests.factories import TEST_PASSWORD, TOTPDeviceFactory

# Codes depend on the clock: a fixed one keeps "two steps away" two steps away.
pytestmark = pytest.mark.usefixtures("frozen")

KEY = "3132333435363738393031323334353637383930"
STAFF = login.LoginAudit("auth")


def code_for(key, *, steps=0):
    device = TOTPDevice(key=key)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.drift = steps
    return f"{totp.token():06d}"


def wrong(code):
    return f"{(int(code) + 1) % 1_000_000:06d}"


@pytest.fixture
def request_with_session(rf):
    request = rf.post("/")
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    request.user = AnonymousUser()
    return request


def actions():
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


# ---- Enabling the second factor -------------------------------------------------------


def test_enable_stores_a_confirmed_device_from_a_right_code_and_audits(therapist, practice):
    audit = login.LoginAudit("auth", "therapist", practice)

    device = login.enable_second_factor(
        user=therapist.user, key=KEY, token=code_for(KEY), audit=audit
    )

    stored = TOTPDevice.objects.get()
    assert (stored, stored.user, stored.key, stored.confirmed) == (
        device,
        therapist.user,
        KEY,
        True,
    )
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.actor_role, event.practice, event.object_id) == (
        "auth.second_factor_enabled",
        therapist.user,
        "therapist",
        practice,
        str(device.pk),
    )


@pytest.mark.parametrize("token", ["wrong", "not-digits", "", "code two steps away"])
def test_enable_with_a_wrong_code_stores_and_audits_nothing(therapist, token):
    token = {
        "wrong": wrong(code_for(KEY)),
        "code two steps away": code_for(KEY, steps=2),
    }.get(token, token)

    device = login.enable_second_factor(user=therapist.user, key=KEY, token=token, audit=STAFF)

    assert device is None
    assert not TOTPDevice.objects.exists()
    assert not AuditEvent.objects.exists()


def test_enable_accepts_a_code_one_step_away(therapist):
    device = login.enable_second_factor(
        user=therapist.user, key=KEY, token=code_for(KEY, steps=-1), audit=STAFF
    )

    assert device is not None


def test_enable_replaces_any_earlier_device(therapist):
    TOTPDeviceFactory(user=therapist.user, confirmed=False, name="Half set up")
    TOTPDeviceFactory(user=therapist.user)

    device = login.enable_second_factor(
        user=therapist.user, key=KEY, token=code_for(KEY), audit=STAFF
    )

    assert list(TOTPDevice.objects.all()) == [device]


def test_enable_writes_the_device_and_its_audit_event_in_one_transaction(therapist):
    earlier = TOTPDeviceFactory(user=therapist.user)
    # An unsaved practice makes the audit write fail inside the service's transaction.
    failing = login.LoginAudit("auth", "therapist", Practice(name="Unsaved", slug="unsaved"))

    with pytest.raises(ValueError, match="unsaved related object"):
        login.enable_second_factor(user=therapist.user, key=KEY, token=code_for(KEY), audit=failing)

    assert list(TOTPDevice.objects.all()) == [earlier]
    assert not AuditEvent.objects.exists()


def test_enable_code_cannot_be_replayed_to_log_in(therapist, request_with_session):
    code = code_for(KEY)
    device = login.enable_second_factor(user=therapist.user, key=KEY, token=code, audit=STAFF)

    with pytest.raises(login.LoginRefused) as refused:
        login.verify_second_factor(
            request=request_with_session, device=device, token=code, audit=STAFF
        )

    assert (refused.value.message, refused.value.throttled) == (login.WRONG_CODE, False)
    assert actions() == ["auth.second_factor_enabled", "auth.otp_failed"]


def test_setup_key_stays_the_same_for_the_session(request_with_session):
    key = login.setup_key(request_with_session.session)

    assert login.setup_key(request_with_session.session) == key
    assert len(bytes.fromhex(key)) == 20


# ---- Verifying a code -----------------------------------------------------------------


def test_verify_completes_the_login_under_a_new_session_id(
    therapist, practice, request_with_session
):
    device = TOTPDeviceFactory(user=therapist.user)
    request_with_session.user = therapist.user
    request_with_session.session[login.SETUP_KEY] = KEY
    request_with_session.session.save()
    before = request_with_session.session.session_key
    audit = login.LoginAudit("portal", "client", practice)

    login.verify_second_factor(
        request=request_with_session, device=device, token=code_for(device.key), audit=audit
    )

    session = request_with_session.session
    assert session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert session.session_key != before
    assert login.SETUP_KEY not in session
    event = AuditEvent.objects.get()
    assert (event.action, event.practice) == ("portal.login.otp", practice)


def test_verify_refuses_a_wrong_code_and_audits_it(therapist, request_with_session):
    device = TOTPDeviceFactory(user=therapist.user)

    with pytest.raises(login.LoginRefused) as refused:
        login.verify_second_factor(
            request=request_with_session,
            device=device,
            token=wrong(code_for(device.key)),
            audit=STAFF,
        )

    assert refused.value.message == login.WRONG_CODE
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    assert DEVICE_ID_SESSION_KEY not in request_with_session.session
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.outcome) == (
        "auth.otp_failed",
        therapist.user,
        AuditEvent.Outcome.FAILURE,
    )


def test_verify_is_throttled_after_a_wrong_code(therapist, request_with_session):
    device = TOTPDeviceFactory(user=therapist.user)
    with pytest.raises(login.LoginRefused):
        login.verify_second_factor(
            request=request_with_session, device=device, token="000000", audit=STAFF
        )

    with pytest.raises(login.LoginRefused) as refused:
        login.verify_second_factor(
            request=request_with_session, device=device, token=code_for(device.key), audit=STAFF
        )

    assert (refused.value.message, refused.value.throttled) == (login.TOO_MANY_CODES, True)
    assert DEVICE_ID_SESSION_KEY not in request_with_session.session


# ---- The password ---------------------------------------------------------------------


def test_password_wrong_is_refused_counted_and_audited(therapist, request_with_session):
    with pytest.raises(login.LoginRefused) as refused:
        login.authenticate_password(
            request=request_with_session, email=therapist.user.email, password="nope"
        )

    assert (refused.value.message, refused.value.throttled) == (login.LOGIN_FAILED, False)
    assert LoginFailure.objects.filter(username=therapist.user.email).count() == 1
    assert actions() == ["auth.login_failed"]


def test_password_right_clears_the_accounts_failures(therapist, request_with_session):
    LoginFailure.objects.create(username=therapist.user.email)

    user = login.authenticate_password(
        request=request_with_session, email=therapist.user.email.upper(), password=TEST_PASSWORD
    )

    assert user == therapist.user
    assert not LoginFailure.objects.exists()


def test_password_is_throttled_after_repeated_failures(therapist, request_with_session):
    for _ in range(settings.LOGIN_THROTTLE_PER_ACCOUNT):
        LoginFailure.objects.create(username=therapist.user.email)

    with pytest.raises(login.LoginRefused) as refused:
        login.authenticate_password(
            request=request_with_session, email=therapist.user.email, password=TEST_PASSWORD
        )

    assert refused.value.throttled is True
    assert actions() == ["auth.login_throttled"]


def test_start_session_logs_in_and_audits_the_password_step(therapist, request_with_session):
    login.start_session(
        request_with_session, therapist.user, audit=login.staff_audit(therapist.user)
    )

    assert request_with_session.user == therapist.user
    assert "patternwork_auth_started" in request_with_session.session
    event = AuditEvent.objects.get()
    assert (event.action, event.actor_role, event.practice) == (
        "auth.login.password",
        "therapist",
        therapist.practice,
    )


def test_staff_audit_names_the_first_active_membership(therapist, foreign_therapist):
    assert login.staff_audit(therapist.user) == login.LoginAudit(
        "auth", "therapist", therapist.practice
    )
