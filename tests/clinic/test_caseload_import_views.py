import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from patternwork.audit.models import AuditEvent
from patternwork.clients.models import Client
from patternwork.interop import caseload_file
from patternwork.interop.models import CaseloadUpload
from patternwork.treatment.models import Appointment
from tests.factories import CaseloadUploadFactory
from tests.interop.caseload_rows import client_row, score_row, to_csv

pytestmark = pytest.mark.usefixtures("frozen")
IMPORT_URL = reverse("clinic:caseload-import")


def upload_url(upload):
    return reverse("clinic:caseload-upload", args=[upload.public_id])


def confirm_url(upload):
    return reverse("clinic:caseload-upload-import", args=[upload.public_id])


def send(client, data, name="caseload.csv"):
    return client.post(IMPORT_URL, {"file": SimpleUploadedFile(name, data, "text/csv")})


@pytest.fixture
def broken(small_caseload_rows):
    caseload_rows = [dict(row) for row in small_caseload_rows]
    # Ten rows a client: its row, six scores, three bookings.
    caseload_rows[12]["total"] = "40"  # client 1's first GAD-7
    caseload_rows[30]["weekday"] = "Caturday"  # client 3's own row
    caseload_rows[37]["date"] = "2026-02-30"  # client 3's first booking
    return caseload_rows


def test_upload_checks_the_file_and_shows_every_error_by_row(client, login, admin, broken):
    login(admin)

    response = send(client, to_csv(broken))

    upload = CaseloadUpload.objects.get()
    assert response.status_code == 302
    assert response["Location"] == upload_url(upload)
    page = client.get(upload_url(upload))
    errors = page.context["result"].errors
    assert [(e.row, e.column) for e in errors] == [(14, "total"), (32, "weekday"), (39, "date")]
    html = page.content.decode()
    assert "Nothing will be written: 3 errors in 40 rows." in html
    assert "<td>39</td><td>date</td>" in html
    assert "Import now" not in html
    assert Client.objects.count() == 0


def test_a_clean_file_is_previewed_then_imported_once(client, login, admin, small_caseload_rows):
    login(admin)
    send(client, to_csv(small_caseload_rows))
    upload = CaseloadUpload.objects.get()

    preview = client.get(upload_url(upload))

    assert preview.context["counts"]["clients"] == 4
    assert "Import now" in preview.content.decode()
    assert Client.objects.count() == 0

    response = client.post(confirm_url(upload))

    assert response.status_code == 302
    assert Client.objects.filter(practice=admin.practice).count() == 4
    assert Appointment.objects.count() == 24
    upload.refresh_from_db()
    assert upload.imported_at is not None
    assert upload.content == ""
    result = client.get(upload_url(upload))
    html = result.content.decode()
    assert "Imported on" in html
    assert "Import now" not in html
    assert "C00001" in html

    again = client.post(confirm_url(upload), follow=True)

    assert "This file has already been imported." in again.content.decode()
    assert Client.objects.count() == 4


def test_importing_the_same_file_again_changes_nothing(client, login, admin, small_caseload_rows):
    login(admin)
    send(client, to_csv(small_caseload_rows))
    client.post(confirm_url(CaseloadUpload.objects.get()))
    before = (Client.objects.count(), Appointment.objects.count())

    send(client, to_csv(small_caseload_rows))
    second = CaseloadUpload.objects.order_by("id").last()
    preview = client.get(upload_url(second))
    client.post(confirm_url(second))

    assert preview.context["counts"]["kept"] == 4
    assert preview.context["counts"]["clients"] == 0
    assert (Client.objects.count(), Appointment.objects.count()) == before


def test_the_import_rechecks_the_database_when_confirmed(
    client, login, admin, therapist, small_caseload_rows
):
    login(admin)
    send(client, to_csv(small_caseload_rows))
    upload = CaseloadUpload.objects.get()
    therapist.is_active = False
    therapist.save(update_fields=["is_active"])

    response = client.post(confirm_url(upload), follow=True)

    assert Client.objects.count() == 0
    assert "Nothing was imported" in response.content.decode()
    upload.refresh_from_db()
    assert upload.imported_at is None
    assert {e["column"] for e in upload.result["errors"]} == {"therapist_email"}


def test_each_step_is_audited(client, login, admin, therapist):
    login(admin)
    caseload_rows = [client_row("A1", "Jo Audit", therapist=therapist.user.email)]

    send(client, to_csv(caseload_rows))
    client.post(confirm_url(CaseloadUpload.objects.get()))

    steps = list(
        AuditEvent.objects.filter(action__startswith="caseload.")
        .order_by("id")
        .values_list("action", "outcome", "actor")
    )
    assert steps == [
        ("caseload.check", "success", admin.user.pk),
        ("caseload.upload", "success", admin.user.pk),
        ("caseload.import", "success", admin.user.pk),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("record,full_name\nclient,Zoë\n".encode("cp1252"), "The file is not UTF-8 text"),
        ("record\n".encode("utf-16"), "The file is saved as UTF-16"),
        (b"", "The submitted file is empty."),
        (b"record,external_id\x00\n", "The file holds NUL characters"),
    ],
)
def test_an_unreadable_file_is_a_clear_400_and_is_not_kept(client, login, admin, data, message):
    login(admin)

    response = send(client, data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert CaseloadUpload.objects.count() == 0


def test_a_huge_file_is_refused_before_it_is_read(client, login, admin):
    login(admin)

    response = send(client, b"x" * (caseload_file.MAX_BYTES + 1))

    assert response.status_code == 400
    assert "larger than 2 MB" in response.content.decode()
    assert CaseloadUpload.objects.count() == 0


def test_a_post_without_a_file_is_a_400(client, login, admin):
    login(admin)

    response = client.post(IMPORT_URL, {})

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


def test_a_byte_order_mark_and_missing_columns_are_handled(client, login, admin, therapist):
    login(admin)
    caseload_rows = [client_row("A1", "Jo", therapist=therapist.user.email)]

    send(client, to_csv(caseload_rows, bom=True))
    send(client, b"record,external_id\nclient,A1\n")

    good, bad = CaseloadUpload.objects.order_by("created_at", "id")
    assert good.result["errors"] == []
    page = client.get(upload_url(bad))
    assert page.status_code == 200
    assert "The column full_name is missing." in page.content.decode()


def test_a_therapist_and_a_supervisor_cannot_import(client, login, therapist, supervisor, admin):
    upload = CaseloadUploadFactory(uploaded_by=admin)
    for member in (therapist, supervisor):
        login(member)

        assert client.get(IMPORT_URL).status_code == 403
        assert client.get(upload_url(upload)).status_code == 404
        assert client.post(confirm_url(upload)).status_code == 404


def test_another_practices_upload_is_not_found(client, login, admin, foreign_admin):
    theirs = CaseloadUploadFactory(uploaded_by=foreign_admin, content="record\n")
    CaseloadUploadFactory(uploaded_by=foreign_admin)
    login(admin)

    assert client.get(upload_url(theirs)).status_code == 404
    assert client.post(confirm_url(theirs)).status_code == 404
    page = client.get(IMPORT_URL)
    assert list(page.context["recent"]) == []


def test_a_uploads_page_shows_its_rows_in_a_fixed_number_of_queries(
    client, login, admin, django_assert_num_queries
):
    login(admin)
    errors = [{"row": n, "column": "date", "message": "Bad date."} for n in range(2, 300)]
    few = CaseloadUploadFactory(uploaded_by=admin)
    many = CaseloadUploadFactory(
        uploaded_by=admin, result={**few.result, "rows": 298, "errors": errors}
    )

    with django_assert_num_queries(9):
        client.get(upload_url(few))
    with django_assert_num_queries(6):
        response = client.get(upload_url(many))

    assert len(response.context["result"].errors) == 298


def test_the_upload_list_is_a_fixed_number_of_queries(
    client, login, admin, django_assert_num_queries
):
    login(admin)
    CaseloadUploadFactory(uploaded_by=admin)
    with django_assert_num_queries(9):
        client.get(IMPORT_URL)
    CaseloadUploadFactory.create_batch(5, uploaded_by=admin)

    with django_assert_num_queries(6):
        response = client.get(IMPORT_URL)

    assert len(response.context["recent"]) == 6


def test_stale_uploads_are_deleted_at_the_next_upload(client, login, admin, therapist, frozen):
    old = CaseloadUploadFactory(uploaded_by=admin, content="record\n")
    frozen.shift(60 * 60 * 25)
    login(admin)

    send(client, to_csv([client_row("A1", "Jo", therapist=therapist.user.email)]))

    assert not CaseloadUpload.objects.filter(pk=old.pk).exists()
    assert CaseloadUpload.objects.count() == 1


def test_a_score_row_shows_its_error_column(client, login, admin, therapist):
    login(admin)
    caseload_rows = [
        client_row("A1", "Jo", therapist=therapist.user.email),
        score_row("A1", "2026-03-02", "PHQ-9", 28),
    ]

    send(client, to_csv(caseload_rows))

    html = client.get(upload_url(CaseloadUpload.objects.get())).content.decode()
    assert "<td>3</td><td>total</td><td>A PHQ-9 total is a whole number from 0 to 27.</td>" in html
