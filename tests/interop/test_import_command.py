import pytest
from django.core.management import CommandError, call_command

from patternwork.audit.models import AuditEvent
from patternwork.clients.models import Client
from patternwork.interop import caseload_file
from patternwork.interop.caseload import UNKNOWN_THERAPIST
from tests.factories import MembershipFactory
from tests.interop.caseload_rows import appointment_row, client_row, score_row, to_csv

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def csv_file(tmp_path, therapist):
    rows = [
        client_row("A1", "Jo Command", therapist=therapist.user.email),
        score_row("A1", "2026-03-02", "PHQ-9", 14),
        score_row("A1", "2026-03-02", "GAD-7", 10),
        appointment_row("A1", "2026-04-06"),
    ]
    path = tmp_path / "caseload.csv"
    path.write_bytes(to_csv(rows))
    return path


def run(*args):
    return call_command("import_caseload", *[str(a) for a in args])


def test_the_command_imports_and_says_what_it_created(capsys, practice, admin, csv_file):
    run(csv_file, "--practice", practice.slug)

    out = capsys.readouterr().out
    client = Client.objects.get(external_id="A1")
    assert (
        f"Created {client.client_number} Jo Command (A1) with Dr Ada Therapist: "
        "1 past sessions, 2 scores, 1 appointments booked"
    ) in out
    assert "Imported 1 clients" in out
    event = AuditEvent.objects.get(action="caseload.import")
    assert (event.actor, event.changes["via"]) == (admin.user, "command")


def test_a_second_run_changes_nothing(capsys, practice, admin, csv_file):
    run(csv_file, "--practice", practice.slug)
    capsys.readouterr()

    run(csv_file, "--practice", practice.slug)

    assert "Already imported: C00001 Jo Command (A1), left unchanged" in capsys.readouterr().out
    assert Client.objects.count() == 1


def test_a_dry_run_writes_nothing(capsys, practice, admin, csv_file):
    run(csv_file, "--practice", practice.slug, "--dry-run")

    out = capsys.readouterr().out
    assert "Would create Jo Command (A1)" in out
    assert "Dry run, nothing written: 1 clients" in out
    assert Client.objects.count() == 0


def test_errors_are_printed_by_row_and_column_and_exit_non_zero(
    capsys, tmp_path, practice, admin, therapist
):
    rows = [
        client_row("A1", "Jo", therapist="nobody@example.test"),
        score_row("A1", "2026-03-02", "PHQ-9", 30),
        client_row("B1", "Kim", therapist=therapist.user.email, time="noon"),
    ]
    path = tmp_path / "bad.csv"
    path.write_bytes(to_csv(rows))

    with pytest.raises(CommandError, match=r"3 error\(s\) in 3 rows: nothing was imported"):
        run(path, "--practice", practice.slug)

    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"row 2, column therapist_email: {UNKNOWN_THERAPIST}",
        f"row 3, column total: {caseload_file.TOTAL_INVALID.format(code='PHQ-9', low=0, high=27)}",
        f"row 4, column time: {caseload_file.TIME_INVALID}",
    ]
    assert Client.objects.count() == 0


def test_the_database_errors_are_printed_too(capsys, tmp_path, practice, admin):
    path = tmp_path / "bad.csv"
    path.write_bytes(to_csv([client_row("A1", "Jo", therapist="nobody@example.test")]))

    with pytest.raises(CommandError):
        run(path, "--practice", practice.slug)

    assert "row 2, column therapist_email: No active therapist" in capsys.readouterr().err


def test_hostile_files_are_clear_errors(capsys, tmp_path, practice, admin):
    huge = tmp_path / "huge.csv"
    huge.write_bytes(b"x" * (caseload_file.MAX_BYTES + 10))
    latin = tmp_path / "latin.csv"
    latin.write_bytes("record,full_name\nclient,Zoë\n".encode("latin-1"))

    for path, message in ((huge, "the file: The file is"), (latin, "not UTF-8 text")):
        with pytest.raises(CommandError):
            run(path, "--practice", practice.slug)
        assert message in capsys.readouterr().err


def test_a_missing_file_unknown_practice_or_unclear_admin_is_refused(
    tmp_path, practice, admin, csv_file
):
    with pytest.raises(CommandError, match="Cannot read"):
        run(tmp_path / "nope.csv", "--practice", practice.slug)
    with pytest.raises(CommandError, match="No practice has the short name"):
        run(csv_file, "--practice", "nowhere")
    MembershipFactory(practice=practice, role="admin")
    with pytest.raises(CommandError, match="several active admins"):
        run(csv_file, "--practice", practice.slug)
    with pytest.raises(CommandError, match="is not an active admin"):
        run(csv_file, "--practice", practice.slug, "--as", "someone@example.test")
    run(csv_file, "--practice", practice.slug, "--as", admin.user.email.upper())
    assert Client.objects.count() == 1
