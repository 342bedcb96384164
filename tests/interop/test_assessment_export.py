"""The subject access record holds the assessment, its goals, readiness and letter."""

import pytest

from patternwork.accounts.access import Reader
from patternwork.interop import subject_access
from patternwork.letters import decision
from patternwork.treatment.services import assessment as assessments


@pytest.fixture
def assessed(course, therapist):
    record = assessments.open_assessment(course=course, actor=therapist)
    record = assessments.save_assessment(
        assessment=record,
        data={
            "presenting": "Panic on the bus.",
            "safety_plan": "Call my sister.",
            "suitability": "not_suitable",
            "suitability_reasons": "A specific phobia.",
        },
        expected_version=1,
        actor=therapist,
    )
    assessments.set_goals(course=course, texts=["Take the bus to work"], actor=therapist)
    assessments.rate_goals(course=course, occasion="assessment", scores={1: 1}, actor=therapist)
    assessments.record_readiness(
        course=course, occasion="assessment", importance=9, confidence=3, hopes="", actor=therapist
    )
    assessments.decide(
        assessment=record, decision="signpost", expected_version=record.version, actor=therapist
    )
    decision.start_decision_letter(course=course, by=therapist)
    return course


def rows(document):
    return [row for section in document.assessments for row in section.rows]


def test_the_admins_copy_holds_the_whole_assessment(admin, assessed):
    admin.practice.admins_read_clinical = True
    admin.practice.save(update_fields=["admins_read_clinical"])

    document = subject_access.record_document(admin, assessed.client.public_id)

    found = rows(document)
    assert ("Safety plan", "Call my sister.") in found
    assert ("Goal 1", "Take the bus to work; Assessment: 1/10") in found
    assert ("Readiness, Assessment", "importance 9/10, confidence 3/10. ") in found
    assert ("Decision", "Signpost elsewhere") in found
    assert any(label.startswith("Letter after assessment") for label, _ in found)


def test_the_client_does_not_see_a_draft_letter(assessed):
    reader = Reader(user=None, client=assessed.client)

    document = subject_access.record_document(reader, assessed.client.public_id)

    assert not any(label.startswith("Letter after assessment") for label, _ in rows(document))
    assert ("Presenting difficulties", "Panic on the bus.") in rows(document)
