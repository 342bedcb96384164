"""The admin's retention pages: the practice's period, a date of death, an erasure request."""

import datetime as dt

import pytest
from django.urls import reverse

from patternwork.audit.models import AuditEvent
from patternwork.clients.models import Client
from patternwork.clients.services import DEATH_BEFORE_BIRTH
from patternwork.clinic.forms.retention import (
    DEATH_IN_THE_FUTURE,
    DEATH_SOURCE_NEEDED,
    WRONG_CLIENT_NUMBER,
)
from tests.factories import ClientFactory


@pytest.fixture
def record(session):
    """A client with an attended session, whose record was opened on 1 April 2026 (the
    latest contact): kept until 1 April 2046."""
    return Client.objects.get(pk=session.course.client_id)


def url(name, client):
    return reverse(name, args=[client.public_id])


def test_the_retention_setting_saves_bounded_values_and_is_audited(client, login, admin):
    login(admin)
    page = reverse("clinic:practice-retention")
    assert "Records Management Code of Practice 2021" in client.get(page).content.decode()

    for bad in ({"0", "10"}, {"101", "10"}, {"abc", "10"}):
        contact, death = sorted(bad)
        response = client.post(
            page,
            {"retention_years_after_contact": contact, "retention_years_after_death": death},
        )
        assert response.status_code == 400
        assert response.context["form"].errors
    response = client.post(
        page, {"retention_years_after_contact": "25", "retention_years_after_death": "8"}
    )

    assert response.status_code == 302
    admin.practice.refresh_from_db()
    assert (
        admin.practice.retention_years_after_contact,
        admin.practice.retention_years_after_death,
    ) == (25, 8)
    assert AuditEvent.objects.filter(action="practice.retention").count() == 1


def test_recording_a_death_keeps_who_when_and_source_and_shows_the_purge_date(
    client, login, admin, record, frozen
):
    login(admin)
    page = url("clinic:client-death", record)

    future = client.post(page, {"died_on": "2026-05-01", "source": "gp"})
    unsourced = client.post(page, {"died_on": "2026-03-20"})
    unborn = client.post(page, {"died_on": "1900-01-01", "source": "gp"})
    assert (future.status_code, unsourced.status_code, unborn.status_code) == (400, 400, 400)
    assert DEATH_BEFORE_BIRTH in unborn.context["form"].errors["died_on"]
    assert DEATH_IN_THE_FUTURE in future.context["form"].errors["died_on"]
    assert DEATH_SOURCE_NEEDED in unsourced.context["form"].errors["source"]

    response = client.post(page, {"died_on": "2026-03-20", "source": "gp"}, follow=True)

    record.refresh_from_db()
    assert (record.died_on, record.death_source, record.death_recorded_by) == (
        dt.date(2026, 3, 20),
        "gp",
        admin,
    )
    assert record.death_recorded_at is not None
    assert "The record is kept until 20 March 2036." in response.content.decode()
    assert AuditEvent.objects.get(action="client.death").changes == {
        "died_on": [None, "2026-03-20"],
        "death_source": ["", "gp"],
    }


def test_a_death_recorded_in_error_is_removed(client, login, admin, record, frozen):
    login(admin)
    page = url("clinic:client-death", record)
    client.post(page, {"died_on": "2026-03-20", "source": "family"})

    response = client.post(page, {"recorded_in_error": "on", "died_on": "2026-03-20"})

    assert response.status_code == 302
    record.refresh_from_db()
    assert (record.died_on, record.death_source, record.death_recorded_by) == (None, "", None)
    assert AuditEvent.objects.filter(action="client.death").count() == 2


def test_erasure_inside_the_period_is_refused_with_the_date_and_audited(
    client, login, admin, record, frozen
):
    login(admin)
    page = url("clinic:client-erasure", record)
    shown = client.get(page).content.decode()
    assert "must be kept until 1 April 2046" in shown
    assert "Appointments" in shown  # what would go

    wrong = client.post(page, {"reason": "Asked", "client_number": "X-999"})
    assert wrong.status_code == 400
    assert WRONG_CLIENT_NUMBER in wrong.context["form"].errors["client_number"]
    assert not AuditEvent.objects.filter(action="client.erasure_refused").exists()

    response = client.post(page, {"reason": "Asked", "client_number": record.client_number})

    assert response.status_code == 409
    assert "must be kept until 01 April 2046" in response.content.decode()
    assert AuditEvent.objects.get(action="client.erasure_refused").outcome == "denied"
    assert Client.objects.filter(pk=record.pk).exists()


def test_erasure_after_the_period_erases_and_leaves_the_stub(client, login, admin, record, frozen):
    frozen.move_to(dt.datetime(2046, 4, 1, 12, tzinfo=dt.UTC))
    login(admin)

    response = client.post(
        url("clinic:client-erasure", record),
        {"reason": "Asked", "client_number": record.client_number},
    )

    assert response.status_code == 302
    assert not Client.objects.filter(pk=record.pk).exists()
    stub = AuditEvent.objects.get(action="client.purge")
    assert (stub.object_id, stub.actor_id, stub.changes["why"]) == (
        str(record.public_id),
        admin.user_id,
        "erasure request",
    )


def test_the_record_page_shows_the_admin_its_retention_date(client, login, admin, record):
    login(admin)

    html = client.get(url("clinic:client-detail", record)).content.decode()

    assert "Kept until" in html
    assert "1 April 2046" in html


def test_another_practices_client_and_a_therapist_get_a_404(
    client, login, admin, therapist, other_practice, record
):
    foreign = ClientFactory(practice=other_practice)
    login(admin)
    for name in ("clinic:client-death", "clinic:client-erasure"):
        assert client.get(url(name, foreign)).status_code == 404
    login(therapist)
    assert client.get(url("clinic:client-erasure", record)).status_code == 404
