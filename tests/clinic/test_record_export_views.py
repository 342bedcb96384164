import io
import zipfile

import pytest
from django.urls import reverse

from patternwork.audit.models import AuditEvent
from tests.factories import ClientFactory, CourseFactory, SessionNoteFactory


@pytest.fixture
def record(therapist):
    client = ClientFactory(
        practice=therapist.practice, therapist=therapist, full_name="Kim Export", external_id="X-9"
    )
    SessionNoteFactory(appointment__course=CourseFactory(client=client, state="active"))
    return client


def export_url(client):
    return reverse("clinic:client-record-export", args=[client.public_id])


def detail_url(client):
    return reverse("clinic:client-detail", args=[client.public_id])


def allow_clinical(practice):
    practice.admins_read_clinical = True
    practice.save(update_fields=["admins_read_clinical"])


def test_an_admin_downloads_the_whole_record_as_one_zip(client, login, admin, record):
    allow_clinical(admin.practice)
    login(admin)

    page = client.get(detail_url(record)).content.decode()
    response = client.get(export_url(record))

    assert f'href="{export_url(record)}"' in page
    assert "<dt>Id in the previous system</dt><dd>X-9</dd>" in page
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Cache-Control"] == "no-store"
    assert f'filename="record-{record.client_number}-' in response["Content-Disposition"]
    content = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert sorted(archive.namelist()) == ["README.txt", "fhir-bundle.json", "record.pdf"]
    event = AuditEvent.objects.get(action="client.record_export")
    assert (event.actor, event.outcome, event.object_id) == (
        admin.user,
        "success",
        str(record.public_id),
    )


def test_without_clinical_read_the_page_says_why_and_the_download_is_refused(
    client, login, admin, record
):
    login(admin)

    page = client.get(detail_url(record)).content.decode()
    response = client.get(export_url(record))

    assert export_url(record) not in page
    assert "keeps clinical records from admins" in page
    assert response.status_code == 403
    assert AuditEvent.objects.get(action="client.record_export").outcome == "denied"


def test_a_therapist_cannot_export_even_their_own_client(client, login, therapist, record):
    login(therapist)

    page = client.get(detail_url(record)).content.decode()

    assert export_url(record) not in page
    assert client.get(export_url(record)).status_code == 404
    assert not AuditEvent.objects.filter(action="client.record_export").exists()


def test_another_practices_admin_gets_a_404(client, login, foreign_admin, record):
    allow_clinical(foreign_admin.practice)
    login(foreign_admin)

    assert client.get(export_url(record)).status_code == 404
    assert not AuditEvent.objects.filter(action="client.record_export").exists()
