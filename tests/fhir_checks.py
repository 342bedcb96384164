"""Checks every emitted FHIR resource must pass: the fhir.resources R4B model, and what
the models leave unchecked (ids, XHTML narrative, references that resolve)."""

import io
import json
import re
import stat
import xml.etree.ElementTree as ET

from django.core.management import call_command
from fhir.resources.R4B import get_fhir_model_class

ID = re.compile(r"[A-Za-z0-9\-.]{1,64}\Z")
XHTML_DIV = "{http://www.w3.org/1999/xhtml}div"


def _walk(value, key=None):
    yield key, value
    if isinstance(value, dict):
        for inner_key, inner in value.items():
            yield from _walk(inner, inner_key)
    elif isinstance(value, list):
        for inner in value:
            yield from _walk(inner, key)


def validate(resource: dict) -> None:
    """Validate one resource; raises on any problem."""
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    _check_beyond_the_model(resource)


def _check_beyond_the_model(resource: dict) -> None:
    assert ID.match(resource["id"]), resource["id"]
    for key, value in _walk(resource):
        if key == "div" and isinstance(value, str):
            root = ET.fromstring(value)  # noqa: S314 (our own output, parsed to prove it is XML)
            assert root.tag == XHTML_DIV


def references(resource: dict) -> set[str]:
    return {
        value["reference"]
        for key, value in _walk(resource)
        if isinstance(value, dict) and isinstance(value.get("reference"), str)
    }


def validate_bundle(bundle: dict) -> list[dict]:
    """Validate the Bundle and each entry; every reference resolves inside it."""
    # The Bundle's model validates each entry's resource as its own resourceType's model
    # (an unknown field or a missing required one in any entry fails here), so the
    # entries are not put through their models a second time.
    get_fhir_model_class("Bundle").model_validate(bundle)
    found = [entry["resource"] for entry in bundle["entry"]]
    present = {f"{r['resourceType']}/{r['id']}" for r in found}
    assert len(present) == len(found), "duplicate resources"
    for entry in bundle["entry"]:
        resource = entry["resource"]
        _check_beyond_the_model(resource)
        assert entry["fullUrl"].endswith(f"/{resource['resourceType']}/{resource['id']}")
        assert references(resource) <= present, references(resource) - present
    return found


def by_type(resources: list[dict], resource_type: str) -> list[dict]:
    return [r for r in resources if r["resourceType"] == resource_type]


# The bulk export (`manage.py fhir_export`): the resource types it writes, running it, and
# reading back its files.
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
