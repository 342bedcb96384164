"""The database, its journals, var/ and backups are the owner's alone."""

import os
import stat

import pytest
from django.db import connection
from django.db.backends.sqlite3.base import DatabaseWrapper

from patternwork.core import backups, files


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask():
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite files")
def test_sqlite_database_its_journals_and_folder_are_owner_only(
    tmp_path, loose_umask, django_db_blocker
):
    var = tmp_path / "var"
    settings_dict = {**connection.settings_dict, "NAME": str(var / "patternwork.sqlite3")}

    files.prepare_sqlite(settings_dict)
    database = DatabaseWrapper(settings_dict, alias="permissions")
    try:
        with django_db_blocker.unblock(), database.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("CREATE TABLE canary (x)")
            cursor.execute("INSERT INTO canary VALUES (1)")
        found = {path.name: mode(path) for path in var.iterdir()}
    finally:
        database.close()

    assert mode(var) == 0o700
    assert found == {
        "patternwork.sqlite3": 0o600,
        "patternwork.sqlite3-wal": 0o600,
        "patternwork.sqlite3-shm": 0o600,
    }


def test_existing_world_readable_database_is_made_owner_only(tmp_path, loose_umask):
    var = tmp_path / "var"
    var.mkdir(mode=0o755)
    database = var / "patternwork.sqlite3"
    database.write_bytes(b"")
    database.chmod(0o644)
    (var / "patternwork.sqlite3-wal").write_bytes(b"")

    files.prepare_sqlite({"NAME": str(database)})

    assert (mode(var), mode(database), mode(var / "patternwork.sqlite3-wal")) == (
        0o700,
        0o600,
        0o600,
    )


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite backup")
def test_backup_and_its_new_folder_are_owner_only(audited_transactional_db, tmp_path, loose_umask):
    target = tmp_path / "backups" / "nightly.sqlite3"

    backups.backup(target)

    assert (mode(target.parent), mode(target)) == (0o700, 0o600)
