"""The demo practice's record validates as FHIR R4, client by client."""

import datetime as dt

import time_machine

from patternwork.accounts.models import Membership
from patternwork.clients.models import Client
from patternwork.demo import seed
from patternwork.interop.fhir import patient_everything
from tests.fhir_checks import by_type, validate_bundle


def test_every_demo_clients_everything_bundle_validates(db):
    with time_machine.travel(dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC), tick=False):
        seed.seed()
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
    assert kinds == {
        "Patient",
        "Organization",
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
    # The demo has one acknowledged risk answer and one still open.
    assert sorted(flags) == ["active", "inactive"]
