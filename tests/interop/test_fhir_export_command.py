"""manage.py fhir_export: a whole practice as FHIR Bulk Data NDJSON."""

import json

import pytest
from django.core.management import CommandError

from patternwork.audit.models import AuditEvent
from patternwork.interop.fhir.bulk import ndjson_line
from tests.fhir_checks import export, read_ndjson


def test_export_holds_every_therapists_clients_and_no_other_practice(
    tmp_path, therapist, other_therapist, foreign_therapist, build_course
):
    mine = build_course(therapist, attended=1, full_name="Ann Mine")
    theirs = build_course(other_therapist, attended=1, full_name="Bea Theirs")
    foreign = build_course(foreign_therapist, attended=1, full_name="Cy Foreign")

    export(tmp_path / "out", therapist.practice.slug)

    files = read_ndjson(tmp_path / "out")
    assert {p["id"] for p in files["Patient"]} == {
        str(mine.client.public_id),
        str(theirs.client.public_id),
    }
    assert (
        str(foreign.client.public_id) not in (tmp_path / "out" / "Appointment.ndjson").read_text()
    )
    assert len(files["Practitioner"]) == 2


def test_ndjson_lines_never_break_inside_a_resource():
    line = ndjson_line({"resourceType": "Patient", "id": "a", "name": [{"text": "a\nb\u2028c"}]})

    assert line.count("\n") == 1
    assert len(line.splitlines()) == 1
    assert json.loads(line)["name"][0]["text"] == "a\nb\u2028c"


@pytest.mark.parametrize(
    ("slug", "prepare", "message"),
    [
        ("nowhere", None, "No practice has the short name 'nowhere'."),
        ("northgate", "file", "is not an empty folder; give a new or empty one."),
        ("northgate", "not-empty", "is not an empty folder; give a new or empty one."),
    ],
)
def test_command_errors_are_one_line_and_write_nothing(tmp_path, practice, slug, prepare, message):
    folder = tmp_path / "out"
    if prepare == "file":
        folder.write_text("x")
    elif prepare == "not-empty":
        folder.mkdir()
        (folder / "notes.txt").write_text("keep me")

    with pytest.raises(CommandError) as raised:
        export(folder, slug)

    assert str(raised.value).endswith(message)
    assert "\n" not in str(raised.value)
    assert raised.value.returncode == 1
    assert not AuditEvent.objects.filter(action="fhir.bulk_export").exists()
    assert not list(tmp_path.glob("**/*.ndjson*"))


def test_a_folder_that_cannot_be_created_is_a_one_line_error(tmp_path, practice):
    blocker = tmp_path / "file"
    blocker.write_text("x")

    with pytest.raises(CommandError, match=r"^Cannot write to .*/file/out: .*\.$"):
        export(blocker / "out", practice.slug)
