"""The FHIR R4 endpoints: CapabilityStatement, Patient/$everything and the errors."""

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from rest_framework.settings import api_settings

from patternwork.api.fhir import views
from patternwork.audit.models import AuditEvent
from tests.factories import UserFactory
from tests.fhir_checks import validate, validate_bundle

FHIR_JSON = "application/fhir+json"


def everything_url(client_record):
    return reverse("fhir:patient-everything", args=[client_record.public_id])


def outcome(response, status, code):
    assert response.status_code == status
    assert response["Content-Type"] == FHIR_JSON
    body = response.json()
    validate({**body, "id": "outcome"})
    assert body["resourceType"] == "OperationOutcome"
    assert [issue["code"] for issue in body["issue"]] == [code]
    return body["issue"][0]["diagnostics"]


def test_metadata_is_a_capability_statement_open_to_anyone(client, db):
    response = client.get(reverse("fhir:metadata"))

    assert response.status_code == 200
    assert response["Content-Type"] == FHIR_JSON
    statement = response.json()
    validate({**statement, "id": "metadata"})
    assert statement["fhirVersion"] == "4.0.1"
    resources = {r["type"]: r for r in statement["rest"][0]["resource"]}
    assert resources["Patient"]["operation"] == [
        {
            "name": "everything",
            "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything",
        }
    ]
    assert resources["QuestionnaireResponse"]["interaction"] == [
        {"code": "read"},
        {"code": "create"},
    ]


def test_endpoints_use_the_rest_framework_defaults_for_authentication():
    for view in (views.PatientEverything, views.QuestionnaireResponseCreate):
        assert view.authentication_classes == api_settings.DEFAULT_AUTHENTICATION_CLASSES
        assert view.permission_classes == api_settings.DEFAULT_PERMISSION_CLASSES


def test_everything_returns_the_bundle_as_fhir_json(client, login, therapist, build_course):
    course = build_course(therapist, attended=2, risk_at=(2,))
    login(therapist)

    response = client.get(everything_url(course.client))

    assert response.status_code == 200
    assert response["Content-Type"] == FHIR_JSON
    assert response["Cache-Control"] == "no-store"
    found = validate_bundle(response.json())
    assert found[0]["id"] == str(course.client.public_id)
    reads = AuditEvent.objects.filter(action="record.read", actor=therapist.user)
    assert [(e.object_id, e.changes["kind"]) for e in reads] == [
        (str(course.client.public_id), "FHIR record")
    ]


def test_everything_answers_plain_json_to_a_client_asking_for_it(
    client, login, therapist, build_course
):
    course = build_course(therapist, attended=1)
    login(therapist)

    response = client.get(everything_url(course.client), HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


def test_everything_accepts_fhir_json_with_its_version_parameter(
    client, login, therapist, build_course
):
    course = build_course(therapist, attended=1)
    login(therapist)

    response = client.get(
        everything_url(course.client), HTTP_ACCEPT="application/fhir+json; fhirVersion=4.0"
    )

    assert response.status_code == 200
    assert response["Content-Type"] == FHIR_JSON


def test_a_client_asking_for_xml_gets_a_406_outcome(client, login, therapist, build_course):
    course = build_course(therapist, attended=1)
    login(therapist)

    response = client.get(everything_url(course.client), HTTP_ACCEPT="application/fhir+xml")

    outcome(response, 406, "not-supported")


def test_another_therapists_client_is_a_404_outcome(
    client, login, therapist, other_therapist, build_course
):
    course = build_course(other_therapist)
    login(therapist)

    response = client.get(everything_url(course.client))

    outcome(response, 404, "not-found")
    assert AuditEvent.objects.filter(
        action="access.denied", object_id=str(course.client.public_id)
    ).exists()
    assert not AuditEvent.objects.filter(action="record.read").exists()


@pytest.mark.parametrize("role", ["admin", "therapist"])
def test_another_practices_client_is_a_404_outcome(
    client, login, admin, therapist, foreign_therapist, build_course, role
):
    course = build_course(foreign_therapist)
    login(admin if role == "admin" else therapist)

    outcome(client.get(everything_url(course.client)), 404, "not-found")


def test_unknown_or_malformed_patient_id_is_a_404_outcome(client, login, therapist):
    login(therapist)
    unknown = "00000000-0000-4000-8000-000000000000"

    for patient_id in (unknown, "not-a-uuid", "%3Cscript%3E"):
        url = f"/fhir/R4/Patient/{patient_id}/$everything"
        outcome(client.get(url), 404, "not-found")


def test_anonymous_request_is_refused_with_an_outcome(client, therapist, build_course):
    course = build_course(therapist)

    response = client.get(everything_url(course.client))

    assert response.status_code in {401, 403}
    assert response.json()["resourceType"] == "OperationOutcome"


def test_login_without_second_factor_is_refused(client, therapist, build_course):
    course = build_course(therapist)
    client.force_login(therapist.user)

    outcome(client.get(everything_url(course.client)), 401, "login")


def test_someone_without_a_membership_is_not_a_caller(client, login, therapist, build_course):
    course = build_course(therapist)
    outsider = UserFactory(full_name="Client Person")
    login(outsider)

    outcome(client.get(everything_url(course.client)), 401, "login")


def test_unsupported_addresses_and_methods_are_outcomes(client, login, therapist):
    login(therapist)

    outcome(client.get("/fhir/R4/Observation"), 404, "not-supported")
    outcome(client.get("/fhir/R4/Patient"), 404, "not-supported")
    outcome(client.delete(reverse("fhir:metadata")), 405, "not-supported")


def test_a_session_post_still_needs_its_csrf_token(therapist, db):
    from tests.conftest import verified_login

    browser = verified_login(HttpClient(enforce_csrf_checks=True), therapist.user)

    response = browser.post(
        reverse("fhir:questionnaire-response-create"), data="{}", content_type=FHIR_JSON
    )

    message = outcome(response, 403, "forbidden")
    assert "CSRF" in message


def test_a_token_reads_its_owners_client_and_nobody_elses(
    api, colleague_api, foreign_api, therapist, build_course
):
    course = build_course(therapist)

    bundle = api.get(everything_url(course.client))
    assert bundle.status_code == 200
    assert bundle.json()["resourceType"] == "Bundle"
    validate(bundle.json())
    outcome(colleague_api.get(everything_url(course.client)), 404, "not-found")
    outcome(foreign_api.get(everything_url(course.client)), 404, "not-found")


def test_a_revoked_token_gets_401(therapist, build_course):
    from patternwork.accounts.api_tokens import revoke_api_token
    from tests.api.conftest import TokenClient, make_token

    course = build_course(therapist)
    token, raw = make_token(therapist)
    revoke_api_token(token=token, by=therapist)

    outcome(TokenClient(raw).get(everything_url(course.client)), 401, "login")
