"""The SQLite test database starts from a migrated copy instead of migrating again.

Applying every migration costs each test process several seconds of model-state
rendering. On SQLite (in memory), the first process to need the database migrates it
as Django always does and saves the result to `.tools/test-db/<key>.sqlite3`; later
processes and runs copy that file into their in-memory database with SQLite's backup
API. The key hashes every migration file of every installed app and Django's version,
so any new or edited migration (data migrations and triggers included) builds a fresh
copy. PostgreSQL and file databases migrate as usual.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
from pathlib import Path

import django
from django.apps import apps
from django.db import connections

CACHE_DIR = Path(__file__).resolve().parent.parent / ".tools" / "test-db"


def _migration_files() -> list[Path]:
    files = []
    for config in apps.get_app_configs():
        folder = Path(config.path) / "migrations"
        if folder.is_dir():
            files.extend(sorted(folder.glob("*.py")))
    return files


def template_key() -> str:
    digest = hashlib.sha256(django.get_version().encode())
    for path in _migration_files():
        digest.update(str(path.relative_to(path.parents[2])).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:24]


def _in_memory_sqlite(alias: str) -> bool:
    settings = connections[alias].settings_dict
    return settings["ENGINE"].endswith("sqlite3") and settings["NAME"] in ("", ":memory:")


def use_template(alias: str = "default") -> None:
    """Make `create_test_db` of this alias start from the cached, migrated copy."""
    if not _in_memory_sqlite(alias):
        return
    connection = connections[alias]
    creation = connection.creation
    migrate_as_usual = creation.create_test_db
    template = CACHE_DIR / f"{template_key()}.sqlite3"

    def create_test_db(verbosity=1, autoclobber=False, serialize=True, keepdb=False):
        if not template.exists():
            name = migrate_as_usual(verbosity, autoclobber, serialize, keepdb)
            _save(connection, template)
            return name
        name = creation._get_test_db_name()
        creation._create_test_db(verbosity, autoclobber, keepdb)
        connection.close()
        django.conf.settings.DATABASES[alias]["NAME"] = name
        connection.settings_dict["NAME"] = name
        connection.ensure_connection()
        source = sqlite3.connect(template)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
        if serialize:
            connection._test_serialized_contents = creation.serialize_db_to_string()
        return name

    creation.create_test_db = create_test_db


def _save(connection, template: Path) -> None:
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    for stale in CACHE_DIR.glob("*.sqlite3"):
        if stale != template:
            stale.unlink(missing_ok=True)
    # Written beside and renamed into place, so a process reading it never sees half.
    partial = template.with_suffix(f".{os.getpid()}.partial")
    target = sqlite3.connect(partial)
    try:
        connection.ensure_connection()
        connection.connection.backup(target)
    finally:
        target.close()
    os.replace(partial, template)


def copy_to(path: Path) -> bool:
    """Write the migrated copy to a database file at `path`; False when none is cached.

    A test that starts a process on a file database (production settings, a plain
    shell) copies it instead of migrating in that process, which costs the process as
    much as the test database's first migration. The copy also holds the tables of the
    test-only app (`tests.testapp`), which production settings never read.
    """
    template = CACHE_DIR / f"{template_key()}.sqlite3"
    if not template.exists():
        return False
    shutil.copyfile(template, path)
    return True
