import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, connections

from patternwork import settings as app_settings

REPO = Path(__file__).resolve().parents[1]
KEY = "ZGVwbG95LWNoZWNrLWtleS0tMzItYnl0ZXMtbG9uZyE="


@pytest.mark.parametrize(
    ("raw", "expected"), [("true", True), ("1", True), ("off", False), ("", False)]
)
def test_env_bool_reads_booleans(monkeypatch, raw, expected):
    monkeypatch.setenv("X_FLAG", raw)

    assert app_settings.env_bool("X_FLAG", not expected) is expected


def test_env_bool_rejects_nonsense(monkeypatch):
    monkeypatch.setenv("X_FLAG", "maybe")

    with pytest.raises(ImproperlyConfigured, match="X_FLAG must be a boolean"):
        app_settings.env_bool("X_FLAG", False)


def test_env_secret_reads_a_file(monkeypatch, tmp_path):
    (tmp_path / "s").write_text("from-file\n")
    monkeypatch.delenv("X_SECRET", raising=False)
    monkeypatch.setenv("X_SECRET_FILE", str(tmp_path / "s"))

    assert app_settings.env_secret("X_SECRET") == "from-file"


def test_env_secret_refuses_both_forms(monkeypatch, tmp_path):
    monkeypatch.setenv("X_SECRET", "a")
    monkeypatch.setenv("X_SECRET_FILE", str(tmp_path / "s"))

    with pytest.raises(ImproperlyConfigured, match="not both"):
        app_settings.env_secret("X_SECRET")


def manage(*args, **env):
    base = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "patternwork.settings"}
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_settings_refuse_to_start_without_a_secret_key():
    result = manage("check", PATTERNWORK_ENCRYPTION_KEYS=KEY)

    assert result.returncode != 0
    assert "SECRET_KEY (or SECRET_KEY_FILE) is not set" in result.stderr


def test_settings_debug_is_off_by_default():
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DEBUG)",
        SECRET_KEY="s" * 50,
        PATTERNWORK_ENCRYPTION_KEYS=KEY,
    )

    assert result.stdout.strip().splitlines()[-1] == "False"


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="production-like-" + "k" * 50,
        PATTERNWORK_ENCRYPTION_KEYS=KEY,
        ALLOWED_HOSTS="patternwork.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite connection settings")
def test_sqlite_connections_are_durable(db, tmp_path):
    wrapper = type(connections["default"])(
        {**connection.settings_dict, "NAME": str(tmp_path / "pragma.sqlite3")}, alias="pragmas"
    )
    try:
        with wrapper.cursor() as cursor:
            values = {}
            for pragma in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout"):
                cursor.execute(f"PRAGMA {pragma}")
                values[pragma] = cursor.fetchone()[0]
    finally:
        wrapper.close()

    assert values == {
        "journal_mode": "wal",
        "synchronous": 2,
        "foreign_keys": 1,
        "busy_timeout": 20000,
    }


def test_production_password_hasher_is_argon2id(db, settings):
    from django.contrib.auth.hashers import make_password

    settings.PASSWORD_HASHERS = app_settings.PASSWORD_HASHERS
    encoded = make_password("a long enough passphrase")

    algorithm, variety, version, params, *_ = encoded.split("$")
    memory, time_cost, _parallel = (int(p.split("=")[1]) for p in params.split(","))
    assert (algorithm, variety, version) == ("argon2", "argon2id", "v=19")
    assert memory >= 19456
    assert time_cost >= 2


def test_pbkdf2_user_is_rehashed_to_argon2_on_login(client, settings, therapist):
    from django.contrib.auth.hashers import make_password

    settings.PASSWORD_HASHERS = app_settings.PASSWORD_HASHERS
    user = therapist.user
    user.password = make_password("old style password", hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])

    client.post("/login/", {"email": user.email, "password": "old style password"})

    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("elevenchars", False),
        ("password1234", False),  # on the common-password list
        ("123456789012345", False),  # entirely numeric
        ("twelve chars", True),
        ("x" * 64, True),
        ("ünïcødé-pässwörd-ok", True),
        ("alllowercaseletters", True),  # no composition rules
    ],
)
def test_password_policy(password, ok):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    try:
        validate_password(password)
    except ValidationError:
        assert not ok
    else:
        assert ok
