import base64
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from patternwork.audit.models import AuditEvent
from patternwork.core import crypto
from patternwork.core.models import EncryptionCanary
from tests.testapp.models import SecretNote

REPO = Path(__file__).resolve().parents[2]
KEY_A = base64.urlsafe_b64encode(b"A" * 32).decode()
KEY_B = base64.urlsafe_b64encode(b"B" * 32).decode()
CANARY = "CANARY-7f3c-plaintext-must-never-appear"


def raw_value(note, column="body") -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM testapp_secretnote WHERE id = %s", [note.pk])  # noqa: S608
        return cursor.fetchone()[0]


def test_crypto_round_trip_and_random_nonce():
    ring = crypto.parse_keys(KEY_A)

    first = ring.encrypt("Ünïcødé note ✓", "ctx")
    second = ring.encrypt("Ünïcødé note ✓", "ctx")

    assert first != second
    assert ring.decrypt(first, "ctx") == "Ünïcødé note ✓"
    assert first.startswith(f"pw1:{ring.primary_id}:")


def test_crypto_refuses_another_column():
    ring = crypto.parse_keys(KEY_A)
    token = ring.encrypt("note", "treatment.note.body")

    with pytest.raises(crypto.DecryptionError, match="failed authentication"):
        ring.decrypt(token, "formulation.episode.account")


def test_crypto_detects_tampering():
    ring = crypto.parse_keys(KEY_A)
    version, key_id, body = crypto.split_token(ring.encrypt("note", "ctx"))
    raw = bytearray(base64.urlsafe_b64decode(body))
    raw[-1] ^= 1
    forged = f"{version}:{key_id}:{base64.urlsafe_b64encode(bytes(raw)).decode()}"

    with pytest.raises(crypto.DecryptionError):
        ring.decrypt(forged, "ctx")


def test_crypto_unknown_key_is_an_error_not_a_blank():
    token = crypto.parse_keys(KEY_A).encrypt("note", "ctx")

    with pytest.raises(crypto.DecryptionError, match="not configured"):
        crypto.parse_keys(KEY_B).decrypt(token, "ctx")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "is not set"),
        ("   ", "is not set"),
        ("not-base64!!", "key number 1"),
        (base64.urlsafe_b64encode(b"short").decode(), "key number 1"),
        (f"{KEY_A},{base64.urlsafe_b64encode(b'x' * 16).decode()}", "key number 2"),
    ],
)
def test_crypto_bad_key_configuration_fails_closed(raw, message):
    with pytest.raises(crypto.EncryptionKeyError, match=message):
        crypto.parse_keys(raw)


def test_crypto_keys_accept_commas_spaces_and_newlines():
    ring = crypto.parse_keys(f"{KEY_B},\n {KEY_A}\n")

    assert [key_id for key_id, _ in ring.keys] == [
        crypto.key_id_for(b"B" * 32),
        crypto.key_id_for(b"A" * 32),
    ]


def test_encrypted_field_stores_no_plaintext(db):
    note = SecretNote.objects.create(title="t", body=CANARY)

    assert CANARY not in raw_value(note)
    assert SecretNote.objects.get(pk=note.pk).body == CANARY


def test_encrypted_field_keeps_null_as_null(db):
    note = SecretNote.objects.create(title="t", body="", summary=None)

    assert raw_value(note, "summary") is None
    assert SecretNote.objects.get(pk=note.pk).summary is None
    assert SecretNote.objects.get(pk=note.pk).body == ""


def test_encrypted_field_refuses_meaningless_lookups(db):
    from django.core.exceptions import FieldError

    with pytest.raises(FieldError):
        list(SecretNote.objects.filter(body="anything"))
    assert list(SecretNote.objects.filter(summary__isnull=True)) == []


def test_encrypted_field_with_wrong_key_raises_instead_of_serving(db):
    with override_settings(PATTERNWORK_ENCRYPTION_KEYS=KEY_A):
        note = SecretNote.objects.create(title="t", body="private")

    with (
        override_settings(PATTERNWORK_ENCRYPTION_KEYS=KEY_B),
        pytest.raises(crypto.DecryptionError),
    ):
        SecretNote.objects.get(pk=note.pk)


def test_rotation_reencrypts_every_row(db):
    with override_settings(PATTERNWORK_ENCRYPTION_KEYS=KEY_A):
        crypto.verify_database_key()
        notes = [
            SecretNote.objects.create(title=str(n), body=f"{CANARY}-{n}", summary=f"s{n}")
            for n in range(25)
        ]
        SecretNote.objects.create(title="null", body="x", summary=None)

    with override_settings(PATTERNWORK_ENCRYPTION_KEYS=f"{KEY_B},{KEY_A}"):
        call_command("rotate_encryption_key", batch_size=7, stdout=io.StringIO())

    new_id = crypto.key_id_for(b"B" * 32)
    for note in notes:
        assert raw_value(note).startswith(f"pw1:{new_id}:")
        assert raw_value(note, "summary").startswith(f"pw1:{new_id}:")
    assert EncryptionCanary.objects.get().key_id == new_id
    with override_settings(PATTERNWORK_ENCRYPTION_KEYS=KEY_B):
        assert sorted(SecretNote.objects.values_list("body", flat=True)) == sorted(
            [f"{CANARY}-{n}" for n in range(25)] + ["x"]
        )
        assert crypto.verify_database_key() == "ok"
    [event] = AuditEvent.objects.filter(action="encryption.rotate")
    assert (event.object_id, event.changes["already_current"]) == (new_id, 0)
    assert sum(event.changes["rewritten"].values()) == 51


def test_rotation_is_idempotent_and_reports(db):
    with override_settings(PATTERNWORK_ENCRYPTION_KEYS=KEY_A):
        SecretNote.objects.create(title="t", body="b")
        from patternwork.core.rotation import rotate_all

        report = rotate_all()

    assert (sum(report.rewritten.values()), report.already_current) == (0, 1)


def test_canary_detects_a_wrong_key(db):
    with override_settings(PATTERNWORK_ENCRYPTION_KEYS=KEY_A):
        assert crypto.verify_database_key() == "created"
        assert crypto.verify_database_key() == "ok"

    with (
        override_settings(PATTERNWORK_ENCRYPTION_KEYS=KEY_B),
        pytest.raises(crypto.EncryptionKeyError, match="refuses to start"),
    ):
        crypto.verify_database_key()


def run_python(code: str, env: dict) -> subprocess.CompletedProcess:
    full_env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "patternwork.settings",
        "SECRET_KEY": "subprocess-test-secret",
        "PATTERNWORK_HTTPS": "false",
        **env,
    }
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=REPO,
        env=full_env,
        capture_output=True,
        text=True,
        # A full migrate in a fresh process: generous, because a shared machine under load
        # has taken over a minute; the limit only stops a hung process.
        timeout=300,
    )


@pytest.mark.slow
def test_app_refuses_to_start_with_a_wrong_key(tmp_path, migrated_sqlite):
    database = f"sqlite:///{tmp_path / 'app.sqlite3'}"
    migrate = "import django; django.setup(); from django.core.management import call_command; call_command('migrate', verbosity=0); import patternwork.wsgi"
    # The migrated copy of the test database, where there is one, spares the migrate; the
    # first start under key A still writes the canary.
    if migrated_sqlite(tmp_path / "app.sqlite3"):
        migrate = "import patternwork.wsgi"
    first = run_python(migrate, {"DATABASE_URL": database, "PATTERNWORK_ENCRYPTION_KEYS": KEY_A})
    assert first.returncode == 0, first.stderr

    wrong = run_python(
        "import patternwork.wsgi", {"DATABASE_URL": database, "PATTERNWORK_ENCRYPTION_KEYS": KEY_B}
    )
    right = run_python(
        "import patternwork.wsgi", {"DATABASE_URL": database, "PATTERNWORK_ENCRYPTION_KEYS": KEY_A}
    )

    assert wrong.returncode != 0
    assert "None of the configured encryption keys can decrypt this database" in wrong.stderr
    assert right.returncode == 0, right.stderr


@pytest.mark.slow
def test_app_refuses_to_start_without_a_key(tmp_path):
    result = run_python(
        "import django; django.setup()",
        {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}", "PATTERNWORK_ENCRYPTION_KEYS": ""},
    )

    assert result.returncode != 0
    assert (
        "PATTERNWORK_ENCRYPTION_KEYS (or PATTERNWORK_ENCRYPTION_KEYS_FILE) is not set"
        in result.stderr
    )


@pytest.mark.slow
def test_encrypted_text_is_not_in_the_sqlite_file_or_its_wal(tmp_path, migrated_sqlite):
    database = tmp_path / "live.sqlite3"
    # The migrated copy of the test database, where there is one, spares the migrate.
    migrate = "" if migrated_sqlite(database) else "call_command('migrate', verbosity=0);"
    script = (
        "import django; django.setup();"
        f"from django.core.management import call_command; {migrate}"
        "from tests.testapp.models import SecretNote;"
        f"[SecretNote.objects.create(title='n', body='{CANARY}-' + str(n)) for n in range(200)];"
        "print(SecretNote.objects.first().body)"
    )
    result = run_python(
        script,
        {
            "DJANGO_SETTINGS_MODULE": "patternwork.settings_test",
            "DATABASE_URL": f"sqlite:///{database}",
            "PATTERNWORK_ENCRYPTION_KEYS": KEY_A,
        },
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{CANARY}-0"
    files = [p for p in tmp_path.iterdir() if p.name.startswith("live.sqlite3")]
    assert database in files
    for path in files:
        assert CANARY.encode() not in path.read_bytes(), path.name
