"""The letter after an assessment that did not lead to DIT ("signpost elsewhere")."""

import pytest
from django.urls import reverse

from patternwork.audit.models import AuditEvent
from patternwork.letters import decision
from patternwork.letters.models import DecisionLetter
from patternwork.treatment.services import assessment as assessments
from tests.factories import CourseFactory, PortalClientFactory

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def signposted(therapist):
    client = PortalClientFactory(
        practice=therapist.practice,
        therapist=therapist,
        full_name="Sam Example",
        referrer_name="Dr Green, Riverside Surgery",
    )
    course = CourseFactory(client=client, state="assessment")
    record = assessments.open_assessment(course=course, actor=therapist)
    record = assessments.save_assessment(
        assessment=record,
        data={
            "presenting": "Panic on the bus.",
            "suitability": "not_suitable",
            "suitability_reasons": "A specific phobia, which CBT treats best.",
        },
        expected_version=1,
        actor=therapist,
    )
    assessments.decide(
        assessment=record, decision="signpost", expected_version=record.version, actor=therapist
    )
    return course


def url(name, course):
    return reverse(name, args=[course.public_id])


def test_the_letter_is_drafted_from_the_record_edited_shared_and_printed(
    client, login, therapist, signposted
):
    login(therapist)

    started = client.post(url("clinic:decision-letter", signposted))
    letter = DecisionLetter.objects.get()
    draft = letter.body
    saved = client.post(
        url("clinic:decision-letter", signposted),
        {"body": draft.replace(decision.PLACEHOLDER, "Riverside CBT: 01234 567890."), "version": 1},
    )
    shared = client.post(url("clinic:decision-letter-share", signposted), {"version": 2})
    pdf = client.get(url("clinic:decision-letter-pdf", signposted))

    letter.refresh_from_db()
    assert [r.status_code for r in (started, saved, shared, pdf)] == [302, 302, 302, 200]
    assert "You told me: Panic on the bus." in draft
    assert "A specific phobia, which CBT treats best." in draft
    assert "Copy to: Dr Green, Riverside Surgery" in draft
    assert "Riverside CBT: 01234 567890." in letter.body
    assert letter.state == "shared"
    assert pdf["Content-Type"] == "application/pdf"
    assert [
        e.action
        for e in AuditEvent.objects.filter(action__startswith="decision_letter").order_by("id")
    ] == [
        "decision_letter.start",
        "decision_letter.save",
        "decision_letter.share",
        "decision_letter.download",
    ]
    assert "Panic" not in str(list(AuditEvent.objects.values_list("changes", flat=True)))


def test_no_letter_without_a_decision_that_calls_for_one(client, login, therapist, course):
    login(therapist)

    response = client.post(url("clinic:decision-letter", course))

    assert response.status_code == 302
    assert not DecisionLetter.objects.exists()


def test_an_empty_letter_is_a_400_and_keeps_the_draft(client, login, therapist, signposted):
    login(therapist)
    client.post(url("clinic:decision-letter", signposted))

    response = client.post(url("clinic:decision-letter", signposted), {"body": " ", "version": 1})

    assert response.status_code == 400
    assert DecisionLetter.objects.get().version == 1


def test_another_therapists_letter_is_not_found(client, login, other_therapist, signposted):
    login(other_therapist)

    assert client.get(url("clinic:decision-letter", signposted)).status_code == 404
    assert client.get(url("clinic:decision-letter-pdf", signposted)).status_code == 404


def test_the_client_downloads_only_a_shared_letter(client, therapist, signposted):
    letter = decision.start_decision_letter(course=signposted, by=therapist)
    client.force_login(signposted.client.user)
    portal_url = reverse("portal:decision-letter-pdf", args=[letter.public_id])

    draft = client.get(portal_url)
    decision.share_decision_letter(letter=letter, expected_version=1, by=therapist)
    home = client.get(reverse("portal:home")).content.decode()
    shared = client.get(portal_url)

    assert draft.status_code == 404
    assert portal_url in home
    assert shared.status_code == 200
    assert shared["Content-Type"] == "application/pdf"
