"""Authenticator-app secrets are encrypted at rest with the product key, and rotate with it."""

import base64

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings
from django.utils import timezone
from django_otp.oath import TOTP

from patternwork.accounts import login
from patternwork.accounts.models import TOTPDevice
from patternwork.core import crypto
from patternwork.core.rotation import rotate_all
from tests.factories import TOTPDeviceFactory, UserFactory

SECRET = "3132333435363738393031323334353637383930"  # RFC 6238's test key, in hex
KEY_A = base64.urlsafe_b64encode(b"A" * 32).decode()
KEY_B = base64.urlsafe_b64encode(b"B" * 32).decode()
BEFORE = [("accounts", "0012_passkeys")]
AFTER = [("accounts", "0013_encrypted_totp_devices")]


def raw_key(table: str, pk: int) -> str:
    column = connection.ops.quote_name("key")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608  (fixed names)
        return cursor.fetchone()[0]


def code(device) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = timezone.now().timestamp()
    return f"{totp.token():06d}"


def test_totp_secret_is_not_in_the_database_and_still_verifies(therapist):
    enabled = login.enable_second_factor(
        user=therapist.user,
        key=SECRET,
        token=code(TOTPDevice(key=SECRET)),
        audit=login.staff_audit(therapist.user),
    )
    enabled.last_t = -1  # let the next code of this time step verify again
    enabled.save(update_fields=["last_t"])

    stored = raw_key("accounts_totpdevice", enabled.pk)
    assert stored.startswith(f"pw1:{crypto.configured_keyring().primary_id}:")
    assert SECRET not in stored
    assert SECRET.upper() not in stored
    device = TOTPDevice.objects.get()
    assert device.key == SECRET
    assert device.verify_token(code(device))


def test_totp_secret_rotates_with_the_product_key(db):
    with override_settings(PATTERNWORK_ENCRYPTION_KEYS=KEY_A):
        crypto.verify_database_key()
        device = TOTPDeviceFactory(user=UserFactory(), key=SECRET)

    with override_settings(PATTERNWORK_ENCRYPTION_KEYS=f"{KEY_B},{KEY_A}"):
        report = rotate_all()

    assert report.rewritten["accounts.TOTPDevice.key"] == 1
    assert raw_key("accounts_totpdevice", device.pk).startswith(
        f"pw1:{crypto.key_id_for(b'B' * 32)}:"
    )
    with override_settings(PATTERNWORK_ENCRYPTION_KEYS=KEY_B):
        device = TOTPDevice.objects.get()
        assert device.key == SECRET
        assert device.verify_token(code(device))


@pytest.mark.slow
def test_totp_migration_encrypts_existing_secrets_and_reverses(audited_transactional_db):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    state = [*BEFORE, ("otp_totp", "0003_add_timestamps")]
    apps = MigrationExecutor(connection).loader.project_state(state).apps
    user = apps.get_model("accounts", "User").objects.create(email="a@example.test", full_name="A")
    old = apps.get_model("otp_totp", "TOTPDevice").objects.create(
        user_id=user.pk, name="Phone", key=SECRET, last_t=7
    )
    assert raw_key("otp_totp_totpdevice", old.pk) == SECRET

    MigrationExecutor(connection).migrate(AFTER)

    assert not apps.get_model("otp_totp", "TOTPDevice").objects.exists()
    stored = raw_key("accounts_totpdevice", old.pk)
    assert stored.startswith("pw1:")
    assert SECRET not in stored
    device = TOTPDevice.objects.get(pk=old.pk)
    assert (device.user_id, device.name, device.key, device.last_t) == (user.pk, "Phone", SECRET, 7)

    MigrationExecutor(connection).migrate(BEFORE)

    assert raw_key("otp_totp_totpdevice", old.pk) == SECRET
    MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
