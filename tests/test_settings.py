import os
import re
import shutil
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


@pytest.mark.parametrize("raw", [None, "", "  "])
def test_env_str_treats_an_empty_value_as_unset(monkeypatch, raw):
    monkeypatch.delenv("X_TEXT", raising=False)
    if raw is not None:
        monkeypatch.setenv("X_TEXT", raw)

    assert app_settings.env_str("X_TEXT", "the default") == "the default"


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


@pytest.mark.slow
def test_settings_refuse_to_start_without_a_secret_key(tmp_path):
    result = manage("check", PATTERNWORK_ENCRYPTION_KEYS=KEY, PATTERNWORK_VAR_DIR=str(tmp_path))

    assert result.returncode != 0
    assert "SECRET_KEY (or SECRET_KEY_FILE) is not set" in result.stderr


@pytest.mark.slow
def test_settings_debug_is_off_by_default():
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DEBUG)",
        SECRET_KEY="s" * 50,
        PATTERNWORK_ENCRYPTION_KEYS=KEY,
    )

    assert result.stdout.strip().splitlines()[-1] == "False"


@pytest.mark.slow
def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="production-like-" + "k" * 50,
        PATTERNWORK_ENCRYPTION_KEYS=KEY,
        ALLOWED_HOSTS="patternwork.example.org",
        PATTERNWORK_BASE_URL="https://patternwork.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


# ---- Keys found under var/ ----------------------------------------------------------------

PRINT_KEYS = (
    "from django.conf import settings; "
    "print(settings.SECRET_KEY); print(settings.PATTERNWORK_ENCRYPTION_KEYS)"
)


@pytest.fixture
def var_dir(tmp_path):
    """A project's var/ as `make run` leaves it: the two key files, nothing else."""
    var = tmp_path / "var"
    var.mkdir()
    (var / "secret_key").write_text("secret-from-var-" + "v" * 40 + "\n")
    (var / "encryption_keys").write_text(KEY + "\n")
    return var


def plain_shell(*args, **env):
    """manage.py from a plain shell: no DJANGO_SETTINGS_MODULE, no key variables."""
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_settings_var_dir_defaults_to_the_repository_var():
    assert app_settings.VAR_DIR == REPO / "var"


@pytest.mark.slow
def test_plain_shell_reads_the_keys_under_var(var_dir):
    result = plain_shell("shell", "-c", PRINT_KEYS, PATTERNWORK_VAR_DIR=str(var_dir))

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-2:] == ["secret-from-var-" + "v" * 40, KEY]


@pytest.mark.slow
def test_plain_shell_prints_a_demo_code(var_dir, migrated_sqlite):
    env = {"PATTERNWORK_VAR_DIR": str(var_dir)}
    # The migrated copy of the test database, where there is one, spares a migrate.
    migrated = migrated_sqlite(var_dir / "patternwork.sqlite3")
    for command in ([] if migrated else [["migrate", "--noinput"]]) + [["seed_demo"]]:
        seeded = plain_shell(*command, **env)
        assert seeded.returncode == 0, seeded.stderr

    result = plain_shell("demo_totp", "therapist@riverside.example", **env)

    assert result.returncode == 0, result.stderr
    assert re.fullmatch(
        r"\d{6}  \(valid for \d+ more second\(s\); each code works once\)\n", result.stdout
    )


@pytest.mark.slow
def test_plain_shell_without_a_secret_key_file_fails_clearly(var_dir):
    (var_dir / "secret_key").unlink()

    result = plain_shell("check", PATTERNWORK_VAR_DIR=str(var_dir))

    assert result.returncode != 0
    assert "SECRET_KEY (or SECRET_KEY_FILE) is not set" in result.stderr
    assert str(var_dir / "secret_key") in result.stderr
    assert not (var_dir / "secret_key").exists()


@pytest.mark.slow
def test_plain_shell_without_an_encryption_key_file_fails_clearly(var_dir):
    (var_dir / "encryption_keys").unlink()

    result = plain_shell("check", PATTERNWORK_VAR_DIR=str(var_dir))

    assert result.returncode != 0
    assert "PATTERNWORK_ENCRYPTION_KEYS (or PATTERNWORK_ENCRYPTION_KEYS_FILE) is not set" in (
        result.stderr
    )
    assert not (var_dir / "encryption_keys").exists()


@pytest.mark.slow
@pytest.mark.parametrize("name", ["SECRET_KEY", "SECRET_KEY_FILE"])
def test_an_explicitly_empty_key_variable_turns_the_var_default_off(var_dir, name):
    result = plain_shell("check", PATTERNWORK_VAR_DIR=str(var_dir), **{name: ""})

    assert result.returncode != 0
    assert "SECRET_KEY (or SECRET_KEY_FILE) is not set" in result.stderr


@pytest.mark.slow
def test_a_key_in_the_environment_wins_over_var(var_dir):
    result = plain_shell(
        "shell",
        "-c",
        PRINT_KEYS,
        PATTERNWORK_VAR_DIR=str(var_dir),
        SECRET_KEY="from-env-" + "e" * 40,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-2] == "from-env-" + "e" * 40


# ---- PATTERNWORK_BASE_URL -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("http://127.0.0.1:8123", "http://127.0.0.1:8123"),
        ("https://patternwork.example.org/", "https://patternwork.example.org"),
        ("  https://patternwork.example.org  ", "https://patternwork.example.org"),
        ("http://[::1]:8000", "http://[::1]:8000"),
    ],
)
def test_base_url_accepts_an_origin(monkeypatch, raw, expected):
    monkeypatch.setenv("X_BASE_URL", raw)

    assert app_settings.env_base_url("X_BASE_URL", allowed_hosts=[]) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "patternwork.example.org",
        "ftp://patternwork.example.org",
        "https://",
        "https://patternwork.example.org/app",
        "https://patternwork.example.org/?next=x",
        "https://patternwork.example.org/#top",
        "https://user:secret@patternwork.example.org",
        "http://127.0.0.1:99999",
        "http://127.0.0.1:port",
        "https://patternwork example.org",
    ],
)
def test_base_url_refuses_anything_but_an_origin(monkeypatch, raw):
    monkeypatch.setenv("X_BASE_URL", raw)

    with pytest.raises(ImproperlyConfigured, match="X_BASE_URL must be"):
        app_settings.env_base_url("X_BASE_URL", allowed_hosts=[])


@pytest.mark.parametrize(
    "hosts", [[], ["127.0.0.1", "localhost"], ["[::1]", "127.0.0.2", "LOCALHOST"]]
)
def test_base_url_unset_on_loopback_is_the_local_address(monkeypatch, hosts):
    monkeypatch.delenv("X_BASE_URL", raising=False)

    assert app_settings.env_base_url("X_BASE_URL", allowed_hosts=hosts) == "http://127.0.0.1:8000"


@pytest.mark.parametrize(
    "hosts", [["patternwork.example.org"], ["127.0.0.1", "*"], [".example.org"]]
)
def test_base_url_unset_on_a_public_host_is_refused(monkeypatch, hosts):
    monkeypatch.setenv("X_BASE_URL", "")

    with pytest.raises(ImproperlyConfigured, match="X_BASE_URL is not set"):
        app_settings.env_base_url("X_BASE_URL", allowed_hosts=hosts)


@pytest.mark.slow
def test_settings_refuse_to_start_without_a_base_url_on_a_public_host(tmp_path):
    result = manage(
        "check",
        SECRET_KEY="production-like-" + "k" * 50,
        PATTERNWORK_ENCRYPTION_KEYS=KEY,
        ALLOWED_HOSTS="patternwork.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )

    assert result.returncode != 0
    assert "PATTERNWORK_BASE_URL is not set" in result.stderr


@pytest.mark.slow
def test_check_deploy_warns_about_a_plain_http_base_url_under_https(tmp_path):
    result = manage(
        "check",
        "--deploy",
        SECRET_KEY="production-like-" + "k" * 50,
        PATTERNWORK_ENCRYPTION_KEYS=KEY,
        ALLOWED_HOSTS="patternwork.example.org",
        PATTERNWORK_BASE_URL="http://patternwork.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )

    assert "patternwork.W001" in result.stdout + result.stderr


# ---- make run -----------------------------------------------------------------------------

STUB = """#!/bin/sh
echo "$PATTERNWORK_BASE_URL" >> "{log}"
"""


@pytest.fixture
def make_run(tmp_path):
    """`make run` with every program it starts replaced by a stub that logs its environment."""
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    log = tmp_path / "env.log"
    stub = tmp_path / "stub"
    stub.write_text(STUB.format(log=log))
    stub.chmod(0o755)
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "gunicorn").symlink_to(stub)

    def _run(**env):
        result = subprocess.run(  # noqa: S603
            [make, "--no-print-directory", "run", f"UV={stub}", f"PY={stub}", f"VENV={venv}"],
            cwd=REPO,
            env={"PATH": os.environ["PATH"], "HOME": str(tmp_path), **env},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return set(log.read_text().splitlines())

    return _run


@pytest.mark.slow
def test_make_run_derives_the_base_url_from_the_port(make_run):
    assert make_run(PORT="8123") == {"http://127.0.0.1:8123"}


@pytest.mark.slow
def test_make_run_keeps_a_configured_base_url(make_run):
    assert make_run(PORT="8123", PATTERNWORK_BASE_URL="https://pw.example.org") == {
        "https://pw.example.org"
    }


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


def test_postgresql_binds_on_the_server_and_prepares_repeated_statements(monkeypatch):
    monkeypatch.delenv("DB_PREPARED_STATEMENTS", raising=False)

    options = app_settings.database("postgres://pw@db.example.org/pw")["OPTIONS"]

    assert options == {"server_side_binding": True, "prepare_threshold": 2}


def test_prepared_statements_can_be_turned_off_for_a_transaction_pooler(monkeypatch):
    monkeypatch.setenv("DB_PREPARED_STATEMENTS", "false")

    assert "OPTIONS" not in app_settings.database("postgres://pw@db.example.org/pw")
    # SQLite's options are its own (set after), never the PostgreSQL ones.
    monkeypatch.delenv("DB_PREPARED_STATEMENTS")
    assert "OPTIONS" not in app_settings.database("sqlite:///x.sqlite3")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL connection settings")
def test_postgresql_connection_reuses_a_prepared_statement(db):
    from patternwork.accounts.models import Practice

    for _ in range(3):
        list(Practice.objects.filter(pk=-1))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ['%FROM "accounts_practice"%'],
        )
        prepared = cursor.fetchone()[0]

    assert connection.connection.prepare_threshold == 2
    assert prepared == 1


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
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    settings.PASSWORD_HASHERS = app_settings.PASSWORD_HASHERS
    user = therapist.user
    # A hash from an older deployment, at fewer iterations than today's million: any
    # PBKDF2 hash is rehashed, and a million iterations, made here and checked again at
    # login, cost this test a second.
    user.password = PBKDF2PasswordHasher().encode("old style password", "oldsalt", 10_000)
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


def test_templates_are_compiled_once_per_process():
    from django.template import engines
    from django.template.loaders.cached import Loader

    assert isinstance(engines["django"].engine.template_loaders[0], Loader)
