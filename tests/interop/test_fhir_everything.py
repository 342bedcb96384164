"""One client's record as a FHIR R4 Bundle (Patient/$everything)."""

import pytest
from django.http import Http404

from patternwork.accounts.access import Reader
from patternwork.audit.models import AuditEvent
from patternwork.interop.fhir import patient_everything
from tests.fhir_checks import by_type, validate_bundle

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
GAD7_ITEMS = ["69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7"]
LOINC = "http://loinc.org"


def codes(codeable):
    return [c["code"] for c in codeable.get("coding", []) if c.get("system") == LOINC]


def test_everything_is_a_searchset_holding_the_whole_course(therapist, build_course):
    course = build_course(therapist, attended=4, risk_at=(2, 3))

    bundle = patient_everything(therapist, course.client)

    found = validate_bundle(bundle)
    assert bundle["type"] == "searchset"
    assert bundle["total"] == len(found)
    assert next(e["search"]["mode"] for e in bundle["entry"]) == "match"
    assert found[0] == {**found[0], "resourceType": "Patient", "id": str(course.client.public_id)}
    counts = {kind: len(by_type(found, kind)) for kind in {r["resourceType"] for r in found}}
    assert counts == {
        "Patient": 1,
        "Organization": 1,
        "Practitioner": 1,
        "EpisodeOfCare": 1,
        "CarePlan": 1,
        "Appointment": 16,
        "Questionnaire": 2,
        "QuestionnaireResponse": 8,
        "Observation": 8,
        "Flag": 2,
        "Composition": 1,
    }


def test_questionnaires_carry_the_loinc_codes(therapist, build_course):
    course = build_course(therapist, attended=1)

    found = validate_bundle(patient_everything(therapist, course.client))

    questionnaires = {q["title"]: q for q in by_type(found, "Questionnaire")}
    phq9 = questionnaires["Patient Health Questionnaire (PHQ-9)"]
    gad7 = questionnaires["Generalised Anxiety Disorder Assessment (GAD-7)"]
    assert codes({"coding": phq9["code"]}) == ["44249-1"]
    assert [codes({"coding": i.get("code", [])}) for i in phq9["item"]] == [
        *[[code] for code in PHQ9_ITEMS],
        ["69722-7"],
        ["44261-6"],
    ]
    assert codes({"coding": gad7["code"]}) == ["69737-5"]
    assert [codes({"coding": i.get("code", [])}) for i in gad7["item"]] == [
        *[[code] for code in GAD7_ITEMS],
        ["70274-6"],
    ]
    totals = {o["code"]["text"]: o for o in by_type(found, "Observation")}
    assert codes(totals["PHQ-9 total score"]["code"]) == ["44261-6"]
    assert codes(totals["GAD-7 total score"]["code"]) == ["70274-6"]
    phq_total = totals["PHQ-9 total score"]
    assert phq_total["status"] == "final"
    assert phq_total["valueInteger"] == 8
    assert phq_total["subject"] == {"reference": f"Patient/{course.client.public_id}"}
    assert phq_total["effectiveDateTime"] == "2026-01-05T10:00:00+00:00"


def test_each_administration_keeps_its_answers_and_appointment(therapist, build_course):
    course = build_course(therapist, attended=1, risk_at=(1,))
    first = course.appointments.order_by("starts_at").first()

    found = validate_bundle(patient_everything(therapist, course.client))

    phq9 = next(r for r in by_type(found, "QuestionnaireResponse") if "phq9" in r["questionnaire"])
    assert phq9["status"] == "completed"
    assert phq9["questionnaire"] == "http://127.0.0.1:8000/fhir/R4/Questionnaire/phq9-v1|1"
    assert phq9["extension"][0]["valueReference"] == {"reference": f"Appointment/{first.public_id}"}
    answers = {i["linkId"]: i["answer"][0] for i in phq9["item"]}
    assert answers["q9"] == {
        "valueCoding": {"system": LOINC, "code": "LA6569-3", "display": "Several days"}
    }
    assert answers["total"] == {"valueInteger": 11}


def test_risk_answers_are_flags_active_until_acknowledged(therapist, build_course):
    course = build_course(therapist, attended=3, risk_at=(1, 3))

    found = validate_bundle(patient_everything(therapist, course.client))

    flags = by_type(found, "Flag")
    assert [f["status"] for f in flags] == ["inactive", "active"]
    assert "end" in flags[0]["period"]
    assert "end" not in flags[1]["period"]
    assert flags[1]["code"]["text"].startswith("Risk answer to PHQ-9 item 9 (Thoughts that")
    assert flags[1]["code"]["text"].endswith(": Several days")
    responses = {r["id"] for r in by_type(found, "QuestionnaireResponse")}
    details = {f["extension"][0]["valueReference"]["reference"] for f in flags}
    assert {d.removeprefix("QuestionnaireResponse/") for d in details} <= responses


def test_care_plan_lists_planned_sessions_with_their_phases(therapist, build_course):
    course = build_course(therapist, planned=10, attended=3)

    found = validate_bundle(patient_everything(therapist, course.client))

    (plan,) = by_type(found, "CarePlan")
    details = [a["detail"] for a in plan["activity"]]
    assert [(d["status"], d["description"]) for d in details] == [
        ("completed", "Session 1 of 10: initial phase (sessions 1-3)"),
        ("completed", "Session 2 of 10: initial phase (sessions 1-3)"),
        ("completed", "Session 3 of 10: initial phase (sessions 1-3)"),
        ("scheduled", "Session 4 of 10: middle phase (sessions 4-7)"),
        ("scheduled", "Session 5 of 10: middle phase (sessions 4-7)"),
        ("scheduled", "Session 6 of 10: middle phase (sessions 4-7)"),
        ("scheduled", "Session 7 of 10: middle phase (sessions 4-7)"),
        ("scheduled", "Session 8 of 10: ending phase (sessions 8-10)"),
        # One session did not happen and one was cancelled: the plan is one booking short.
        ("not-started", "Session 9 of 10: ending phase (sessions 8-10)"),
        ("not-started", "Session 10 of 10: ending phase (sessions 8-10)"),
    ]
    attended = {a.public_id for a in course.appointments.filter(status="attended")}
    assert {
        a["outcomeReference"][0]["reference"] for a in plan["activity"] if "outcomeReference" in a
    } == {f"Appointment/{public_id}" for public_id in attended}
    assert "initial phase sessions 1-3; middle phase sessions 4-7" in plan["description"]


def test_appointments_map_attendance_and_cancellation(therapist, build_course):
    course = build_course(therapist, planned=8, attended=2)

    found = validate_bundle(patient_everything(therapist, course.client))

    statuses = [a["status"] for a in by_type(found, "Appointment")]
    assert statuses == ["fulfilled", "fulfilled", "noshow", "cancelled", *["booked"] * 4]
    cancelled = by_type(found, "Appointment")[3]
    assert cancelled["cancelationReason"]["coding"] == [
        {
            "system": "http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason",
            "code": "pat",
            "display": "Patient",
        }
    ]
    assert cancelled["comment"] == "Unwell"
    assert [p["status"] for p in cancelled["participant"]] == ["declined", "accepted"]


def test_agreed_ipaf_is_a_composition_with_narrative_sections(therapist, build_course):
    course = build_course(therapist)

    found = validate_bundle(patient_everything(therapist, course.client))

    (ipaf,) = by_type(found, "Composition")
    assert ipaf["type"] == {
        "text": "Interpersonal Affective Focus (Dynamic Interpersonal Therapy formulation)"
    }
    assert ipaf["title"] == (
        "Interpersonal Affective Focus, version 1, agreed with the client on 2026-03-02"
    )
    assert [s["title"] for s in ipaf["section"]] == [
        "How the client sees themselves",
        "How they see the other",
        "The feeling(s) linking them",
        "What the pattern protects against",
    ]
    assert ipaf["section"][1]["text"]["div"] == (
        '<div xmlns="http://www.w3.org/1999/xhtml"><p>Others who lose interest</p></div>'
    )


def test_another_therapists_client_is_not_found_and_audited(
    therapist, other_therapist, build_course
):
    course = build_course(other_therapist)

    with pytest.raises(Http404):
        patient_everything(therapist, course.client)

    assert AuditEvent.objects.filter(
        action="access.denied", actor=therapist.user, object_id=str(course.client.public_id)
    ).exists()
    assert not AuditEvent.objects.filter(action="record.read", actor=therapist.user).exists()


def test_another_practices_client_is_not_found(admin, foreign_therapist, build_course):
    course = build_course(foreign_therapist)

    with pytest.raises(Http404):
        patient_everything(admin, course.client.public_id)


def test_the_read_is_recorded_once(therapist, build_course):
    course = build_course(therapist)
    reader = Reader(user=therapist.user, membership=therapist)

    patient_everything(reader, course.client)

    event = AuditEvent.objects.get(action="record.read", actor=therapist.user)
    assert (event.object_id, event.changes) == (
        str(course.client.public_id),
        {"kind": "FHIR record"},
    )


def test_admin_kept_from_clinical_records_gets_no_clinical_resources(
    admin, therapist, build_course
):
    course = build_course(therapist, risk_at=(1,))

    found = validate_bundle(patient_everything(admin, course.client))

    kinds = {r["resourceType"] for r in found}
    assert kinds == {
        "Patient",
        "Organization",
        "Practitioner",
        "EpisodeOfCare",
        "CarePlan",
        "Appointment",
    }


def test_supervisor_sees_their_supervisees_client_in_full(supervisor, therapist, build_course):
    course = build_course(therapist, risk_at=(1,))

    found = validate_bundle(patient_everything(supervisor, course.client))

    assert {"Flag", "Composition", "QuestionnaireResponse"} <= {r["resourceType"] for r in found}


@pytest.mark.parametrize(("planned", "attended", "risk_at"), [(8, 1, ()), (30, 12, (2, 5, 9))])
def test_everything_costs_the_same_queries_whatever_the_course_size(
    therapist, build_course, django_assert_num_queries, planned, attended, risk_at
):
    course = build_course(therapist, planned=planned, attended=attended, risk_at=risk_at)
    reader = Reader(user=therapist.user, membership=therapist)
    client = course.client

    # The client, the access record, then courses, appointments, responses, flags, IPAFs.
    with django_assert_num_queries(9):
        bundle = patient_everything(reader, client)

    # Patient, Organization, Practitioner, EpisodeOfCare, CarePlan, 2 Questionnaires, the
    # IPAF; an Appointment per planned session; 2 responses and 2 totals per session.
    assert len(bundle["entry"]) == 8 + planned + 4 * attended + len(risk_at)


def test_courses_before_and_after_treatment_map_their_states(therapist, build_course):
    from patternwork.treatment import services as treatment
    from tests.factories import CourseFactory

    ended = build_course(therapist, planned=8, attended=2, ipaf=None)
    treatment.end_course(course=ended, reason="dropped_out", note="", actor=therapist)
    waiting = CourseFactory(client=ended.client)

    found = validate_bundle(patient_everything(therapist, ended.client))

    episodes = {e["id"]: e for e in by_type(found, "EpisodeOfCare")}
    plans = {p["id"]: p for p in by_type(found, "CarePlan")}
    assert episodes[str(ended.public_id)]["status"] == "finished"
    assert plans[str(ended.public_id)]["status"] == "revoked"
    statuses = [a["detail"]["status"] for a in plans[str(ended.public_id)]["activity"]]
    assert statuses == ["completed", "completed", *["cancelled"] * 6]
    assert episodes[str(waiting.public_id)]["status"] == "waitlist"
    assert "period" not in episodes[str(waiting.public_id)]
    assert plans[str(waiting.public_id)]["status"] == "draft"
    assert {a["detail"]["status"] for a in plans[str(waiting.public_id)]["activity"]} == {
        "not-started"
    }
