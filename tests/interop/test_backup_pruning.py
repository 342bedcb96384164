"""Backups older than the backup period go nightly, so an erased record leaves them too."""

import datetime as dt
import io
import stat

import pytest
from django.core.management import call_command

from patternwork.audit.models import AuditEvent
from patternwork.core import backups
from patternwork.messaging import dispatch

NOW = dt.datetime(2026, 12, 7, 3, 0, tzinfo=dt.UTC)


@pytest.fixture
def folder(tmp_path, settings):
    settings.PATTERNWORK_BACKUP_DIR = tmp_path / "backups"
    settings.PATTERNWORK_BACKUP_KEEP_DAYS = 35
    return settings.PATTERNWORK_BACKUP_DIR


def made(folder, *days_ago):
    folder.mkdir(mode=0o700, exist_ok=True)
    names = []
    for days in days_ago:
        path = backups.dated_path(folder, NOW - dt.timedelta(days=days))
        path.write_bytes(b"")
        names.append(path.name)
    return names


def test_backup_without_a_path_writes_a_dated_owner_only_file(
    folder, audited_transactional_db, frozen
):
    # A real backup: SQLite cannot copy a database from inside the test's transaction.
    call_command("backup", stdout=io.StringIO())

    (path,) = folder.iterdir()
    assert path.name == "patternwork-20261207T030000Z.backup"
    assert backups.taken_at(path) == NOW
    assert (stat.S_IMODE(folder.stat().st_mode), stat.S_IMODE(path.stat().st_mode)) == (
        0o700,
        0o600,
    )


def test_the_nightly_job_deletes_backups_past_the_period_and_audits_it(folder, db, frozen):
    old, older, *recent = made(folder, 36, 40, 35, 1)
    (folder / "before-the-upgrade.sqlite3").write_bytes(b"")  # the operator's own: left

    dispatch.tick()

    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [*recent, "before-the-upgrade.sqlite3"]
    )
    event = AuditEvent.objects.get(action="backup.prune")
    assert (event.practice_id, event.actor_label, event.outcome) == (
        None,
        "backup pruning",
        "success",
    )
    assert event.changes == {
        "keep_days": 35,
        "deleted": sorted([old, older]),
        "kept": 2,
        "stale_newest": None,
    }


def test_the_newest_backup_stays_when_backups_have_stopped_and_that_is_audited(folder, db, frozen):
    made(folder, 1, 2)
    frozen.shift(dt.timedelta(days=100))

    call_command("prune_backups", stdout=io.StringIO(), stderr=io.StringIO())

    newest = backups.dated_path(folder, NOW - dt.timedelta(days=1)).name
    assert [p.name for p in folder.iterdir()] == [newest]
    event = AuditEvent.objects.get(action="backup.prune")
    assert (event.outcome, event.changes["stale_newest"]) == ("failure", newest)


def test_nothing_to_prune_writes_no_event(folder, db, frozen):
    made(folder, 1)

    call_command("prune_backups", stdout=io.StringIO())
    assert not AuditEvent.objects.filter(action="backup.prune").exists()
