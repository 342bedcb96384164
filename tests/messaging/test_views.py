"""The admin's message log and the client's reminder setting."""

import datetime as dt

import pytest
from django.urls import reverse

from patternwork.audit.models import AuditEvent
from patternwork.messaging.models import Message
from patternwork.treatment import services as treatment
from tests.course_fixtures import weekly
from tests.factories import ClientFactory, CourseFactory, PortalClientFactory

pytestmark = pytest.mark.usefixtures("frozen")

NOW = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
LOG = reverse("clinic:message-log")
REMINDERS = reverse("portal:reminders")


def message(practice, client, n, **fields):
    return Message.objects.create(
        practice=practice,
        kind="appointment_reminder",
        recipient_role="client",
        recipient_client=client,
        key=f"test:{practice.slug}:{n}",
        due_at=NOW + dt.timedelta(hours=n),
        **fields,
    )


def test_message_log_lists_the_practice_messages_only(
    client, login, admin, therapist, foreign_therapist
):
    mine = ClientFactory(practice=admin.practice, therapist=therapist, full_name="Jo Bloggs")
    theirs = ClientFactory(practice=foreign_therapist.practice, therapist=foreign_therapist)
    message(admin.practice, mine, 1, status="failed", attempts=5, last_error="SMTPDataError: 554")
    message(foreign_therapist.practice, theirs, 2)
    login(admin)

    response = client.get(LOG)

    rows = list(response.context["page"])
    assert [(m.kind_label, m.recipient_role, m.status, m.attempts) for m in rows] == [
        ("Appointment reminder", "client", "failed", 5)
    ]
    page = response.content.decode()
    assert "SMTPDataError: 554" in page
    assert "Jo Bloggs" not in page


@pytest.mark.parametrize("count", [1, 3])
def test_message_log_queries_do_not_grow_with_rows(
    client, login, admin, therapist, count, django_assert_num_queries
):
    someone = ClientFactory(practice=admin.practice, therapist=therapist)
    for n in range(count):
        message(admin.practice, someone, n)
    login(admin)
    with django_assert_num_queries(10):
        response = client.get(LOG)
    assert len(response.context["page"]) == count


def test_message_log_is_for_admins_only(client, login, therapist):
    login(therapist)
    assert client.get(LOG).status_code in {403, 404}


@pytest.fixture
def jo(therapist):
    return PortalClientFactory(
        practice=therapist.practice, therapist=therapist, full_name="Jo Bloggs"
    )


def test_client_opts_out_of_reminders_on_the_portal(client, jo, therapist):
    course = CourseFactory(client=jo)
    treatment.start_course(course=course, values=weekly(), actor=therapist)
    client.force_login(jo.user)

    assert client.get(REMINDERS).context["form"].initial == {"appointment_reminders": True}
    response = client.post(REMINDERS, {})

    assert response.status_code == 302
    jo.refresh_from_db()
    assert jo.appointment_reminders is False
    assert not Message.objects.filter(status="queued").exists()
    assert AuditEvent.objects.get(action="client.reminders").actor_id == jo.user_id


def test_client_opts_back_in(client, jo):
    jo.appointment_reminders = False
    jo.save(update_fields=["appointment_reminders"])
    client.force_login(jo.user)

    client.post(REMINDERS, {"appointment_reminders": "on"})

    jo.refresh_from_db()
    assert jo.appointment_reminders is True


def test_reminder_page_is_not_for_staff(client, login, therapist):
    login(therapist)
    assert client.get(REMINDERS).status_code == 404


def test_reminder_page_needs_a_login(client):
    response = client.get(REMINDERS)
    assert response.status_code == 302
    assert response.url.startswith(reverse("portal:login"))
