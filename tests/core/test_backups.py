import hashlib
import io
import subprocess

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection

from patternwork.audit.services import record
from tests.factories import MembershipFactory, PracticeFactory
from tests.testapp.models import SecretNote

CANARY = "BACKUP-CANARY-4b1d-never-in-plain-text"


def snapshot() -> dict[str, tuple[int, str]]:
    """Row count and a checksum of every row, per table, in primary-key order."""
    result = {}
    with connection.cursor() as cursor:
        for model in apps.get_models():
            table = model._meta.db_table
            if table not in connection.introspection.table_names():
                continue
            pk = connection.ops.quote_name(model._meta.pk.column)
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)} ORDER BY {pk}")  # noqa: S608
            rows = cursor.fetchall()
            digest = hashlib.sha256(repr(rows).encode()).hexdigest()
            result[table] = (len(rows), digest)
    return result


def readable_content(path) -> bytes:
    """The backup as text: the SQLite file itself, or a custom-format dump turned to SQL."""
    if connection.vendor == "postgresql":
        from patternwork.core.backups import _pg_tool

        result = subprocess.run(  # noqa: S603
            [_pg_tool("pg_restore"), "--file=-", str(path)], capture_output=True, check=True
        )
        return result.stdout
    return path.read_bytes()


@pytest.fixture
def data(audited_transactional_db):
    practice = PracticeFactory()
    member = MembershipFactory(practice=practice)
    for n in range(5):
        SecretNote.objects.create(title=f"note {n}", body=f"{CANARY} {n}")
    record(action="test.backup", actor=member.user, practice=practice)
    return practice


def test_backup_then_restore_gives_identical_rows(data, tmp_path):
    target = tmp_path / "patternwork.backup"
    before = snapshot()
    call_command("backup", str(target), stdout=io.StringIO())

    SecretNote.objects.create(title="after backup", body="lost on restore")
    record(action="test.after_backup")
    PracticeFactory()
    assert snapshot() != before

    call_command("restore", str(target), "--yes", stdout=io.StringIO())

    assert snapshot() == before
    assert sorted(SecretNote.objects.values_list("body", flat=True)) == [
        f"{CANARY} {n}" for n in range(5)
    ]


@pytest.mark.slow
def test_backup_holds_no_plaintext_of_encrypted_fields(data, tmp_path):
    target = tmp_path / "patternwork.backup"

    call_command("backup", str(target), stdout=io.StringIO())

    content = readable_content(target)
    assert CANARY.encode() not in content
    assert b"note 3" in content  # plain columns are there: the check reads the real data


def test_backup_refuses_to_overwrite_without_force(data, tmp_path):
    target = tmp_path / "exists.backup"
    target.write_text("keep me")

    with pytest.raises(CommandError, match="exists already"):
        call_command("backup", str(target), stdout=io.StringIO())
    assert target.read_text() == "keep me"


def test_restore_refuses_a_file_that_is_not_a_backup(data, tmp_path):
    bogus = tmp_path / "bogus.backup"
    bogus.write_bytes(b"this is not a database" * 100)
    before = snapshot()

    with pytest.raises(CommandError):
        call_command("restore", str(bogus), "--yes", stdout=io.StringIO())

    assert snapshot() == before


def test_restore_refuses_a_missing_file(data, tmp_path):
    with pytest.raises(CommandError, match="is not a file"):
        call_command("restore", str(tmp_path / "missing"), "--yes", stdout=io.StringIO())
