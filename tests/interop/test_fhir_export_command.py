"""manage.py fhir_export: a whole practice as FHIR Bulk Data NDJSON."""

import datetime as dt
import io
import json
import stat

import pytest
import time_machine
from django.core.management import CommandError, call_command

from patternwork.audit.models import AuditEvent
from patternwork.clients.models import Client
from patternwork.demo import seed
from patternwork.interop.fhir.bulk import ndjson_line
from tests.fhir_checks import references, validate

TYPES = {
    "Organization",
    "Patient",
    "Practitioner",
    "EpisodeOfCare",
    "CarePlan",
    "Appointment",
    "Questionnaire",
    "QuestionnaireResponse",
    "Observation",
    "Flag",
    "Composition",
}


def export(folder, slug) -> str:
    out = io.StringIO()
    call_command("fhir_export", "--practice", slug, "--out", str(folder), stdout=out)
    return out.getvalue()


def read_ndjson(folder) -> dict[str, list[dict]]:
    found = {}
    for path in sorted(folder.iterdir()):
        assert path.suffix == ".ndjson", path.name
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        lines = path.read_text(encoding="utf-8").split("\n")
        assert lines[-1] == ""
        found[path.stem] = [json.loads(line) for line in lines[:-1]]
    return found


def test_the_demo_practice_exports_as_valid_ndjson_audited_once(tmp_path, db):
    with time_machine.travel(dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC), tick=False):
        seed.seed()
    folder = tmp_path / "export"

    output = export(folder, seed.DEMO_SLUG)

    assert "Patient.ndjson: 7" in output  # five courses, one waiting, one signposted
    files = read_ndjson(folder)
    assert set(files) == TYPES
    present = set()
    for kind, found in files.items():
        for resource in found:
            assert resource["resourceType"] == kind
            validate(resource)
            present.add(f"{kind}/{resource['id']}")
    for found in files.values():
        for resource in found:
            assert references(resource) <= present
    demo_clients = Client.objects.filter(practice__slug=seed.DEMO_SLUG)
    assert {p["id"] for p in files["Patient"]} == {str(c.public_id) for c in demo_clients}
    assert len(files["Organization"]) == 1
    assert len(files["Questionnaire"]) == len({q["id"] for q in files["Questionnaire"]})
    (event,) = AuditEvent.objects.filter(action="fhir.bulk_export")
    assert event.practice.slug == seed.DEMO_SLUG
    assert event.actor_label == "manage.py fhir_export"
    assert event.changes["resources"] == {kind: len(found) for kind, found in files.items()}


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
