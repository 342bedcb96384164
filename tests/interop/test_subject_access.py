"""A client's whole record as one download: the PDF, the FHIR Bundle, and the audit."""

import io
import json
import zipfile

import pypdf
import pytest
from django.http import Http404

from patternwork.accounts.access import Reader
from patternwork.accounts.models import User
from patternwork.audit.models import AuditEvent
from patternwork.formulation import ipaf_sharing
from patternwork.formulation import services as formulation
from patternwork.interop import services, subject_access
from patternwork.treatment import services as treatment
from tests.factories import JournalEntryFactory, LetterFactory
from tests.fhir_checks import validate_bundle
from tests.fhir_fixtures import IPAF


@pytest.fixture
def clinical_admin(admin):
    admin.practice.admins_read_clinical = True
    admin.practice.save(update_fields=["admins_read_clinical"])
    return admin


@pytest.fixture
def record(build_course, therapist):
    """A course with notes (one signed and amended), two IPAF versions, a shared and a
    private journal entry, a draft letter, and a risk answer."""
    course = build_course(therapist, attended=3, risk_at=(2,), full_name="Jo <b>Bloggs</b>")
    first, second = list(course.appointments.filter(status="attended").order_by("starts_at"))[:2]
    note = treatment.save_note(
        appointment=first,
        answers={"relationships": "Talked about an older brother."},
        body="A fictional note & <i>markup</i> kept as text.",
        expected_version=None,
        actor=therapist,
    )
    note = treatment.sign_note(note=note, expected_version=note.version, actor=therapist)
    treatment.amend_note(note=note, body="Added later: the brother's name is Sam.", actor=therapist)
    treatment.save_note(
        appointment=second, answers={}, body="Second note.", expected_version=None, actor=therapist
    )
    formulation.save_ipaf(
        course=course,
        data={**IPAF, "self_representation": "A later wording of the self"},
        episodes=[],
        by=therapist,
    )
    JournalEntryFactory(course=course, body="Shared with my therapist.", shared_at=first.starts_at)
    JournalEntryFactory(course=course, body="Only for me.")
    LetterFactory(course=course)
    return course


def unzip(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def pdf_text(content: bytes) -> str:
    pages = pypdf.PdfReader(io.BytesIO(content)).pages
    return "\n".join(page.extract_text() for page in pages)


def test_the_export_holds_the_pdf_the_bundle_and_a_readme(clinical_admin, record, therapist):
    client = record.client

    export = services.export_record(reader=clinical_admin, client=client)

    files = unzip(export.content)
    assert sorted(files) == ["README.txt", "fhir-bundle.json", "record.pdf"]
    assert export.filename == f"record-{client.client_number}-2026-04-01.zip"
    bundle = json.loads(files["fhir-bundle.json"])
    validate_bundle(bundle)
    types = {entry["resource"]["resourceType"] for entry in bundle["entry"]}
    assert {"Patient", "EpisodeOfCare", "QuestionnaireResponse", "Flag", "Composition"} <= types
    assert "Jo <b>Bloggs</b>" in files["README.txt"].decode()
    text = pdf_text(files["record.pdf"])
    for expected in (
        "The record of Jo <b>Bloggs</b>",
        "Talked about an older brother.",
        "A fictional note & <i>markup</i> kept as text.",
        "Added later: the brother's name is Sam.",
        "Second note.",
        "Someone who has to earn a place",
        "A later wording of the self",
        "IPAF version 2",
        "Asked a friend to meet",  # the episode's account
        "Several days",  # the risk answer
        "Shared with my therapist.",
        "fictional goodbye letter",
        "Dashed lines mark caseness",  # the chart's description
        "Who saw the record",
    ):
        assert expected in text, expected
    assert "Only for me." not in text


def test_the_access_log_lists_who_saw_the_record(clinical_admin, record, therapist):
    AuditEvent.objects.create(
        action="record.read",
        actor=therapist.user,
        actor_label=therapist.user.email,
        actor_role="therapist",
        practice=record.practice,
        object_type="clients.client",
        object_id=str(record.client.public_id),
        changes={"kind": "session note"},
    )

    document = subject_access.record_document(clinical_admin, record.client)

    reads = [row for row in document.access_log if row[1] == therapist.user.email]
    assert reads[-1][2:] == ("therapist", "record.read (session note)")
    # This export's own read is the last line of the log.
    assert document.access_log[-1][1:] == (
        clinical_admin.user.email,
        "admin",
        "record.read (subject access export)",
    )


def test_the_export_is_audited_once_with_counts(clinical_admin, record):
    before = AuditEvent.objects.count()

    services.export_record(reader=clinical_admin, client=record.client)

    new = list(AuditEvent.objects.order_by("id")[before:].values_list("action", "changes"))
    assert [action for action, _changes in new] == ["record.read", "client.record_export"]
    changes = new[1][1]
    assert changes["files"] == ["README.txt", "record.pdf", "fhir-bundle.json"]
    assert (changes["notes"], changes["ipaf_versions"], changes["letters"]) == (2, 2, 1)
    assert changes["fhir_resources"] > 10
    assert "Bloggs" not in json.dumps(changes)


def test_an_admin_who_may_not_read_clinical_records_gets_no_copy(admin, record):
    with pytest.raises(subject_access.ExportRefused, match="keeps clinical records from admins"):
        services.export_record(reader=admin, client=record.client)

    event = AuditEvent.objects.get(action="client.record_export")
    assert (event.outcome, event.object_id) == ("denied", str(record.client.public_id))


def test_a_therapist_gets_no_copy(therapist, record):
    with pytest.raises(subject_access.ExportRefused, match="Only a service admin"):
        subject_access.record_export(therapist, record.client)


def test_another_practices_client_is_not_found(foreign_admin, record):
    foreign_admin.practice.admins_read_clinical = True
    foreign_admin.practice.save(update_fields=["admins_read_clinical"])

    with pytest.raises(Http404):
        services.export_record(reader=foreign_admin, client=record.client)

    assert not AuditEvent.objects.filter(action="client.record_export").exists()


def test_the_client_reading_their_own_record_gets_their_own_rows(record):
    reader = Reader(user=None, client=record.client)

    document = subject_access.record_document(reader, record.client.public_id)

    journal = [row for section in document.journal for row in section.rows]
    assert ("Entry", "Only for me.") in journal
    # A draft letter is the therapist's until it is shared.
    assert document.letters == ()
    assert len(document.notes) == 2


def test_the_record_holds_the_clients_answers_to_a_shared_ipaf(clinical_admin, record, therapist):
    version = record.ipaf_versions.order_by("-number").first()
    ipaf_sharing.share_ipaf(version=version, by=therapist)
    user = User.objects.create_user(email="jo.answers@example.test", password="x" * 20)
    ipaf_sharing.reply_on_portal(
        version=version, user=user, fit="partly", body="The sadness fits; the rest less so."
    )

    document = subject_access.record_document(clinical_admin, record.client)

    rows = dict(document.ipafs[-1].rows)
    assert [text for label, text in rows.items() if label.startswith("The client's answer")] == [
        "Part of this doesn't fit. The sadness fits; the rest less so."
    ]
    assert "Shared with the client on the portal on" in rows
