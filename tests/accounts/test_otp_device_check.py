"""The second factor's per-request check (LeanOTPMiddleware): a lean read, same guarantee.

A session verified with a device stays verified only while that device exists, belongs
to the user and is confirmed; the check reads the device's id, owner and confirmation
alone, never its encrypted secret.
"""

from importlib import import_module

import pytest
from django.conf import settings
from django.http import HttpResponse
from django_otp import DEVICE_ID_SESSION_KEY

from patternwork.accounts.middleware import LeanOTPMiddleware
from tests.factories import TOTPDeviceFactory, UserFactory

pytestmark = pytest.mark.django_db


def _as_seen_after_the_middleware(rf, user, persistent_id):
    """What the view behind the middleware sees: (verified?, device, session key kept?)."""
    request = rf.get("/caseload/")
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    request.session[DEVICE_ID_SESSION_KEY] = persistent_id
    request.user = user
    seen = {}

    def view(request):
        seen["verified"] = request.user.is_verified()
        seen["device"] = request.user.otp_device
        return HttpResponse()

    LeanOTPMiddleware(view)(request)
    return seen["verified"], seen["device"], DEVICE_ID_SESSION_KEY in request.session


def test_a_confirmed_device_of_the_user_verifies_the_request(rf, therapist):
    device = TOTPDeviceFactory(user=therapist.user)

    verified, seen, kept = _as_seen_after_the_middleware(rf, therapist.user, device.persistent_id)

    assert (verified, seen, kept) == (True, device, True)


def test_a_removed_device_ends_the_verification(rf, therapist):
    device = TOTPDeviceFactory(user=therapist.user)
    persistent_id = device.persistent_id
    device.delete()

    assert _as_seen_after_the_middleware(rf, therapist.user, persistent_id) == (False, None, False)


def test_a_device_no_longer_confirmed_ends_the_verification(rf, therapist):
    device = TOTPDeviceFactory(user=therapist.user)
    type(device).objects.filter(pk=device.pk).update(confirmed=False)

    verified, _device, kept = _as_seen_after_the_middleware(
        rf, therapist.user, device.persistent_id
    )

    assert (verified, kept) == (False, False)


def test_another_users_device_does_not_verify(rf, therapist):
    device = TOTPDeviceFactory(user=UserFactory())

    verified, _device, kept = _as_seen_after_the_middleware(
        rf, therapist.user, device.persistent_id
    )

    assert (verified, kept) == (False, False)


def test_a_malformed_device_id_does_not_verify(rf, therapist):
    for persistent_id in ("accounts.totpdevice/x", "nothing", "auth.user/1"):
        verified, _device, kept = _as_seen_after_the_middleware(rf, therapist.user, persistent_id)
        assert (verified, kept) == (False, False)


def test_the_check_reads_one_row_without_the_secret(rf, therapist, django_assert_num_queries):
    device = TOTPDeviceFactory(user=therapist.user)

    with django_assert_num_queries(1) as queries:
        _as_seen_after_the_middleware(rf, therapist.user, device.persistent_id)

    assert '"key"' not in queries.captured_queries[0]["sql"]


def test_an_id_out_of_range_does_not_verify(rf, therapist):
    verified, _device, kept = _as_seen_after_the_middleware(
        rf, therapist.user, f"accounts.totpdevice/{2**70}"
    )

    assert (verified, kept) == (False, False)
