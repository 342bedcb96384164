"""Consistent online backup and restore: SQLite's backup API, or pg_dump/pg_restore."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection

from patternwork.core import files


class BackupError(Exception):
    pass


def backup(path: Path, *, overwrite: bool = False) -> None:
    path = Path(path)
    if path.exists() and not overwrite:
        raise BackupError(f"{path} exists already; choose another path or pass --force.")
    if not path.parent.exists():
        files.private_folder(path.parent)
    # Write next to the target (mkstemp creates it 0600: a backup is the whole database), then rename: a crash never leaves a half backup at PATH.
    fd, tmp_name = tempfile.mkstemp(prefix=".backup-", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if connection.vendor == "sqlite":
            _sqlite_backup(tmp)
        elif connection.vendor == "postgresql":
            _pg("pg_dump", "--format=custom", "--no-owner", f"--file={tmp}")
        else:
            raise BackupError(f"Backups are not supported on {connection.vendor}.")
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


# A dated backup in the backup folder: the only files the pruning ever deletes. The time
# is read from the name, which copying a file or restoring a folder does not change.
NAME_FORMAT = "patternwork-%Y%m%dT%H%M%SZ.backup"
NAME_PATTERN = re.compile(r"^patternwork-(\d{8}T\d{6}Z)\.backup$")


def dated_path(folder: Path, now: datetime) -> Path:
    """Where a backup taken at `now` goes in the backup folder."""
    return Path(folder) / now.astimezone(UTC).strftime(NAME_FORMAT)


def taken_at(path: Path) -> datetime | None:
    """When a dated backup was taken, from its name; None for any other file."""
    match = NAME_PATTERN.match(path.name)
    if match is None:
        return None
    try:
        return datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


@dataclass(frozen=True)
class Pruned:
    deleted: list[str]
    kept: list[str]
    # The newest backup is never deleted, however old: losing every backup because the
    # backups stopped is worse than keeping one too long. It is reported instead.
    stale_newest: str | None


def prune(folder: Path, *, now: datetime, keep_days: int) -> Pruned | None:
    """Delete the dated backups in `folder` taken more than `keep_days` days before `now`,
    except the newest. Other files are left alone. None when there is no folder."""
    folder = Path(folder)
    if not folder.is_dir():
        return None
    found = [(taken_at(path), path) for path in folder.iterdir() if path.is_file()]
    dated = sorted((at, path) for at, path in found if at is not None)
    cutoff = now - timedelta(days=keep_days)
    deleted, kept = [], []
    for index, (at, path) in enumerate(dated):
        newest = index == len(dated) - 1
        if at < cutoff and not newest:
            path.unlink(missing_ok=True)
            deleted.append(path.name)
        else:
            kept.append(path.name)
    stale = dated[-1][1].name if dated and dated[-1][0] < cutoff else None
    return Pruned(deleted=deleted, kept=kept, stale_newest=stale)


def restore(path: Path) -> None:
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} is not a file.")
    if connection.vendor == "sqlite":
        _sqlite_restore(path)
    elif connection.vendor == "postgresql":
        connection.close()
        _pg(
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            str(path),
        )
    else:
        raise BackupError(f"Restore is not supported on {connection.vendor}.")
    connection.close()


def _sqlite_backup(target: Path) -> None:
    connection.ensure_connection()
    destination = sqlite3.connect(target)
    try:
        connection.connection.backup(destination)
        _check_integrity(destination, target)
    finally:
        destination.close()


def _sqlite_restore(source_path: Path) -> None:
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    try:
        _check_integrity(source, source_path)
        connection.ensure_connection()
        if connection.in_atomic_block:
            raise BackupError("Cannot restore inside a transaction.")
        source.backup(connection.connection)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{source_path} is not a usable SQLite backup: {exc}") from None
    finally:
        source.close()


def _check_integrity(db: sqlite3.Connection, path: Path) -> None:
    try:
        result = db.execute("PRAGMA integrity_check").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a usable SQLite database: {exc}") from None
    if result != ("ok",):
        raise BackupError(f"{path} failed the integrity check: {result}")


def _pg_tool(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path=settings.PATTERNWORK_PG_BIN)
    if not found:
        raise BackupError(
            f"{name} is not installed (looked on PATH and in {settings.PATTERNWORK_PG_BIN})."
        )
    return found


def _pg(tool: str, *args: str) -> None:
    params = connection.settings_dict
    env = {**os.environ}
    if params.get("PASSWORD"):
        env["PGPASSWORD"] = params["PASSWORD"]
    command = [_pg_tool(tool)]
    if params.get("HOST"):
        command.append(f"--host={params['HOST']}")
    if params.get("PORT"):
        command.append(f"--port={params['PORT']}")
    if params.get("USER"):
        command.append(f"--username={params['USER']}")
    command.append(f"--dbname={params['NAME']}")
    command.extend(args)
    # Arguments come from settings and our own flags, never from a request.
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{tool} failed: {result.stderr.strip()[-2000:]}")
