"""The demo practice as FHIR R4: each client's record, and the practice's bulk export.

Both read the demo seeded once for this package (at SEEDED_AT).
"""

from patternwork.accounts.models import Membership
from patternwork.audit.models import AuditEvent
from patternwork.clients.models import Client
from patternwork.demo import seed
from patternwork.interop.fhir import patient_everything
from tests.fhir_checks import (
    TYPES,
    by_type,
    export,
    read_ndjson,
    references,
    validate,
    validate_bundle,
)


def test_every_demo_clients_everything_bundle_validates(demo):
    # The supervisor's scope holds both demo therapists' clients.
    supervisor = Membership.objects.get(user__email=seed.SUPERVISOR.email)
    clients = list(Client.objects.filter(practice__slug=seed.DEMO_SLUG))

    kinds = set()
    flags = []
    for client in clients:
        found = validate_bundle(patient_everything(supervisor, client))
        kinds |= {r["resourceType"] for r in found}
        flags += [f["status"] for f in by_type(found, "Flag")]

    # Five courses, one client waiting after assessment and one signposted elsewhere.
    assert len(clients) == 7
    # Every kind of resource the bulk export writes.
    assert kinds == TYPES
    # The demo has one acknowledged risk answer and one still open.
    assert sorted(flags) == ["active", "inactive"]


def test_the_demo_practice_exports_as_valid_ndjson_audited_once(tmp_path, demo):
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
