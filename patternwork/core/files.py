"""Owner-only permissions for what the instance keeps on disk.

The SQLite database holds client names, live session keys and (encrypted) TOTP
secrets; its -wal and -shm files hold recent pages of it. They are created readable by
the owner only (0600), in a var/ folder only the owner can enter (0700), like the key
files beside them, whatever the process's umask. SQLite gives -wal and -shm the
main file's permissions, so a database file created 0600 keeps its journals 0600 too.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def sqlite_path(settings_dict: dict) -> Path | None:
    """The database file of an SQLite connection's settings; None in memory."""
    name = str(settings_dict.get("NAME") or "")
    if not name or name == ":memory:" or "mode=memory" in name:
        return None
    return Path(name)


def private_folder(folder: Path) -> None:
    """Create the folder (and its parents) owner-only, or make an existing one so."""
    folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    _restrict(folder, FOLDER_MODE)


def private_file(path: Path) -> None:
    """Create an empty owner-only file if missing (an empty file is an empty SQLite
    database), or take group and world access away from an existing one."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        _restrict(path, FILE_MODE)
    else:
        os.close(fd)


def prepare_sqlite(settings_dict: dict) -> None:
    """Before the first connection: the database's folder and file, owner-only."""
    path = sqlite_path(settings_dict)
    if path is None:
        return
    private_folder(path.parent)
    private_file(path)
    secure_sqlite_journals(path)


def secure_sqlite_journals(path: Path) -> None:
    for journal in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if journal.exists():
            _restrict(journal, FILE_MODE)


def _restrict(path: Path, mode: int) -> None:
    current = stat.S_IMODE(path.stat().st_mode)
    if current & 0o077:
        os.chmod(path, current & mode)


def on_connection_created(sender, connection, **kwargs) -> None:
    """Each new SQLite connection: its file and journals stay owner-only."""
    if connection.vendor != "sqlite":
        return
    path = sqlite_path(connection.settings_dict)
    if path is not None and path.exists():
        _restrict(path, FILE_MODE)
        secure_sqlite_journals(path)
