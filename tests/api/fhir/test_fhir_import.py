"""POST /fhir/R4/QuestionnaireResponse: PHQ-9 and GAD-7 from another system."""

import json

import pytest
from django.urls import reverse

from patternwork.audit.models import AuditEvent
from patternwork.interop.fhir.questionnaires import appointment_extension_url
from patternwork.measures.models import Response, RiskFlag
from tests.fhir_checks import validate

FHIR_JSON = "application/fhir+json"
LOINC = "http://loinc.org"
FREQUENCY = ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"]
PHQ9_ITEMS = [
    "44250-9",
    "44255-8",
    "44259-0",
    "44254-1",
    "44251-7",
    "44258-2",
    "44252-5",
    "44253-3",
    "44260-8",
]


def phq9(session, values, *, questionnaire="phq9-v1", status="completed", link_ids=None):
    link_ids = link_ids or [f"q{n}" for n in range(1, 10)]
    return {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": f"http://elsewhere.example/fhir/Questionnaire/{questionnaire}|1",
        "status": status,
        "subject": {"reference": f"Patient/{session.course.client.public_id}"},
        "extension": [
            {
                "url": appointment_extension_url(),
                "valueReference": {"reference": f"Appointment/{session.public_id}"},
            }
        ],
        "item": [
            {
                "linkId": link_id,
                "answer": [{"valueCoding": {"system": LOINC, "code": FREQUENCY[value]}}],
            }
            for link_id, value in zip(link_ids, values, strict=False)
        ],
    }


def post(client, body, content_type=FHIR_JSON):
    return client.post(
        reverse("fhir:questionnaire-response-create"),
        data=json.dumps(body),
        content_type=content_type,
    )


def issues(response):
    body = response.json()
    validate({**body, "id": "outcome"})
    return [(i["severity"], i["code"], i["diagnostics"]) for i in body["issue"]]


RISKY = (0, 0, 1, 0, 0, 0, 0, 0, 1)  # total 2; item 9 "Several days"
CALM = (1, 1, 1, 1, 1, 1, 1, 1, 0)


def test_a_risk_answer_imported_raises_the_flag_and_shows_on_the_caseload(
    client, login, therapist, session
):
    login(therapist)

    response = post(client, phq9(session, RISKY))

    assert response.status_code == 201
    assert response["Content-Type"] == FHIR_JSON
    recorded = Response.objects.get()
    assert (recorded.instrument, recorded.total, recorded.source) == ("PHQ-9", 2, "api")
    assert response["Location"] == (
        f"http://127.0.0.1:8000/fhir/R4/QuestionnaireResponse/{recorded.public_id}"
    )
    body = response.json()
    validate(body)
    assert body["id"] == str(recorded.public_id)
    flag = RiskFlag.objects.get()
    assert (flag.response, flag.item, flag.value, flag.is_open) == (recorded, "q9", 1, True)
    assert AuditEvent.objects.get(action="measure.record").changes["risk_flags_raised"] == 1
    caseload = client.get(reverse("clinic:home")).content.decode()
    assert "1 risk answer needs acknowledging" in caseload
    assert "Several days" in caseload


def test_the_recorded_response_reads_back_from_its_location(client, login, therapist, session):
    login(therapist)
    created = post(client, phq9(session, RISKY))

    response = client.get(created["Location"].removeprefix("http://127.0.0.1:8000"))

    assert response.status_code == 200
    assert response.json() == created.json()


def test_items_named_by_loinc_code_and_answers_as_integers_are_accepted(
    client, login, therapist, session
):
    login(therapist)
    body = phq9(session, (0,) * 9, link_ids=PHQ9_ITEMS)
    body["item"][1]["answer"] = [{"valueInteger": 3}]
    body["item"].append({"linkId": "44261-6", "answer": [{"valueInteger": 99}]})

    response = post(client, body)

    assert response.status_code == 201
    assert Response.objects.get().answers == {f"q{n}": 3 if n == 2 else 0 for n in range(1, 10)}
    assert Response.objects.get().total == 3


def test_gad7_is_recorded_with_its_loinc_answer_codes(client, login, therapist, session):
    login(therapist)
    body = phq9(session, (1, 2, 3, 0, 1, 2, 3), questionnaire="gad7-v1")

    response = post(client, body, content_type="application/fhir+json; charset=utf-8")

    assert response.status_code == 201
    assert Response.objects.get().total == 12


def test_an_answer_that_is_not_an_option_is_refused_by_name_and_nothing_written(
    client, login, therapist, session
):
    login(therapist)
    body = phq9(session, CALM)
    body["item"][2]["answer"] = [{"valueCoding": {"system": LOINC, "code": "LA9999-9"}}]

    response = post(client, body)

    assert response.status_code == 422
    (problem,) = issues(response)
    assert problem[:2] == ("error", "invalid")
    assert "item 3 (Trouble falling or staying asleep" in problem[2]
    assert "http://loinc.org|LA9999-9" in problem[2]
    assert not Response.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="measure.").exists()


def test_an_incomplete_response_keeps_only_its_risk_answer(client, login, therapist, session):
    login(therapist)
    body = phq9(session, RISKY)
    del body["item"][0]

    response = post(client, body)

    assert response.status_code == 422
    found = issues(response)
    assert found[0][0:2] == ("error", "invalid")
    assert "no answer to item 1 (Little interest" in found[0][2]
    assert found[1][0:2] == ("information", "informational")
    kept = Response.objects.get()
    assert (kept.status, kept.total) == ("draft", None)
    assert RiskFlag.objects.get().response == kept


def test_an_in_progress_response_is_not_recorded_but_its_risk_answer_is_flagged(
    client, login, therapist, session
):
    login(therapist)

    response = post(client, phq9(session, RISKY, status="in-progress"))

    assert response.status_code == 422
    assert [i[1] for i in issues(response)] == ["business-rule", "informational"]
    assert Response.objects.get().status == "draft"
    assert RiskFlag.objects.count() == 1


def test_sending_the_same_response_again_records_nothing_new(client, login, therapist, session):
    login(therapist)
    post(client, phq9(session, RISKY))

    again = post(client, phq9(session, RISKY))

    assert again.status_code == 200
    assert Response.objects.count() == 1
    assert RiskFlag.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "status", "code", "words"),
    [
        (lambda b: b.update(resourceType="Observation"), 400, "structure", "not Observation"),
        (lambda b: b.update(status="entered-in-error"), 422, "business-rule", "completed"),
        (lambda b: b.pop("questionnaire"), 422, "required", "/Questionnaire/phq9-v1"),
        (lambda b: b.update(questionnaire="Questionnaire/wsas-v1"), 422, "not-supported", "wsas"),
        (lambda b: b.update(questionnaire="Questionnaire/phq9-v1|7"), 422, "not-supported", "7"),
        (lambda b: b.update(subject={"reference": "Patient/x"}), 422, "invalid", "Patient/"),
        (lambda b: b.update(subject="Patient"), 422, "invalid", "Patient/"),
        (lambda b: b.pop("extension"), 422, "required", "questionnaireresponse-appointment"),
        (lambda b: b.update(item="q1"), 400, "structure", "item must be a list"),
        (lambda b: b["item"][0].pop("linkId"), 400, "required", "linkId"),
        (lambda b: b["item"][0].update(item=[{"linkId": "x"}]), 422, "not-supported", "Nested"),
        (lambda b: b["item"][0]["answer"].append({"valueInteger": 1}), 422, "invalid", "one"),
        (lambda b: b["item"].append(dict(b["item"][0])), 422, "invalid", "twice"),
        (
            lambda b: b["item"].append({"linkId": "q42", "answer": [{"valueInteger": 1}]}),
            422,
            "invalid",
            "no item 'q42'",
        ),
        (lambda b: b.update(item=[]), 422, "invalid", "Answer at least one question"),
    ],
)
def test_invalid_responses_are_refused_with_the_problem_named(
    client, login, therapist, session, change, status, code, words
):
    login(therapist)
    body = phq9(session, CALM)
    change(body)

    response = post(client, body)

    assert response.status_code == status
    found = issues(response)
    assert found[0][1] == code
    assert words in found[0][2]
    assert not Response.objects.exists()


def test_malformed_json_and_other_media_types_are_outcomes(client, login, therapist, session):
    login(therapist)
    url = reverse("fhir:questionnaire-response-create")

    bad_json = client.post(url, data="{not json", content_type=FHIR_JSON)
    form = client.post(url, data={"status": "completed"})
    array = client.post(url, data="[1, 2]", content_type="application/json")

    assert (bad_json.status_code, issues(bad_json)[0][1]) == (400, "structure")
    assert (form.status_code, issues(form)[0][1]) == (415, "not-supported")
    assert (array.status_code, issues(array)[0][1]) == (400, "structure")


def test_another_therapists_appointment_is_refused_and_nothing_written(
    client, login, other_therapist, session
):
    login(other_therapist)

    response = post(client, phq9(session, RISKY))

    assert response.status_code == 422
    assert issues(response)[0][1] == "not-found"
    assert not Response.objects.exists()
    assert not RiskFlag.objects.exists()
    assert AuditEvent.objects.filter(
        action="access.denied", object_id=str(session.public_id)
    ).exists()


def test_another_clients_appointment_is_refused(client, login, therapist, session):
    from tests.factories import ClientFactory

    someone_else = ClientFactory(practice=therapist.practice, therapist=therapist)
    login(therapist)
    body = phq9(session, RISKY)
    body["subject"] = {"reference": f"Patient/{someone_else.public_id}"}

    response = post(client, body)

    assert response.status_code == 422
    assert "is not an appointment of Patient/" in issues(response)[0][2]
    assert not Response.objects.exists()


def test_a_booked_appointment_is_refused(client, login, therapist, session):
    booked = session.course.appointments.filter(status="booked").first()
    login(therapist)
    body = phq9(session, CALM)
    body["extension"][0]["valueReference"] = {"reference": f"Appointment/{booked.public_id}"}

    response = post(client, body)

    assert response.status_code == 422
    assert issues(response)[0][2] == "Measures are recorded at an attended session."
    assert not Response.objects.exists()


# Personal API tokens: the same default authentication and permission as the REST API.


def test_a_read_write_token_imports_and_raises_the_flag(api, session):
    response = post(api, phq9(session, RISKY))

    assert response.status_code == 201
    recorded = Response.objects.get()
    assert (recorded.source, recorded.total) == ("api", 2)
    assert RiskFlag.objects.get().response == recorded


def test_a_read_only_token_may_not_import_and_nothing_is_written(read_api, session):
    response = post(read_api, phq9(session, RISKY))

    assert response.status_code == 403
    assert issues(response)[0][1] == "forbidden"
    assert not Response.objects.exists()
    assert not RiskFlag.objects.exists()


def test_another_therapists_token_cannot_import_for_this_client(colleague_api, session):
    response = post(colleague_api, phq9(session, RISKY))

    assert response.status_code in (404, 422)
    assert not Response.objects.exists()
