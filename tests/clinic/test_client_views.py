import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from patternwork.audit.models import AuditEvent
from patternwork.clients.models import Client
from patternwork.clients.services import CLOSE_WITH_OPEN_FLAGS
from patternwork.clients.validators import BAD_PHONE
from patternwork.treatment.models import Course
from patternwork.treatment.services import start_course
from patternwork.treatment.services.courses import PlanValues
from tests.course_fixtures import NOW
from tests.factories import AppointmentFactory, ClientFactory, CourseFactory, RiskFlagFactory

NEW = reverse("clinic:client-new")
VALID = {
    "status": "active",
    "full_name": "Alex Example",
    "preferred_name": "Lex",
    "date_of_birth": "1988-02-29",
    "pronouns": "they/them",
    "email": "alex@example.test",
    "consent_treatment": "on",
    "contact_by_email": "on",
}


def test_therapist_creates_a_client_on_their_own_caseload(client, login, therapist):
    login(therapist)

    response = client.post(NEW, VALID)

    created = Client.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("clinic:client-detail", args=[created.public_id])
    assert (created.client_number, created.therapist, created.preferred_name) == (
        "C00001",
        therapist,
        "Lex",
    )
    assert created.consent_treatment_at is not None
    assert created.consent_contact_at is not None
    assert Course.objects.get(client=created).state == "referred"
    assert AuditEvent.objects.filter(action="client.create").count() == 1
    assert AuditEvent.objects.exclude(action__startswith="auth").count() == 1


def test_client_numbers_count_up_per_practice(client, login, therapist, foreign_therapist):
    login(therapist)
    client.post(NEW, VALID)
    client.post(NEW, VALID | {"full_name": "Second Person"})
    login(foreign_therapist)
    client.post(NEW, VALID)

    assert sorted(Client.objects.values_list("practice__slug", "client_number")) == [
        ("northgate", "C00001"),
        ("northgate", "C00002"),
        ("southbank", "C00001"),
    ]


def test_admin_creates_and_assigns_to_a_therapist(client, login, admin, therapist):
    login(admin)

    client.post(NEW, VALID | {"therapist": str(therapist.public_id)})

    assert Client.objects.get().therapist == therapist


def test_create_client_rejects_bad_input_and_keeps_it(client, login, therapist):
    login(therapist)

    response = client.post(NEW, VALID | {"date_of_birth": "2999-01-01", "email": "not-an-email"})

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"date_of_birth", "email"}
    assert b'value="Alex Example"' in response.content
    assert not Client.objects.exists()


def test_create_client_refuses_a_telephone_number_the_referral_forms_refuse(
    client, login, therapist
):
    login(therapist)

    response = client.post(NEW, VALID | {"phone": "ring me after six"})

    assert response.status_code == 200
    assert response.context["form"].errors == {"phone": [str(BAD_PHONE)]}
    assert b'value="ring me after six"' in response.content
    assert not Client.objects.exists()


def test_edit_client_audits_changed_fields_and_masks_free_text(client, login, therapist):
    existing = ClientFactory(practice=therapist.practice, therapist=therapist)
    login(therapist)
    url = reverse("clinic:client-edit", args=[existing.public_id])
    data = {
        **VALID,
        "full_name": existing.full_name,
        "date_of_birth": "1990-05-17",
        "address": "1 Secret Lane",
        "version": "1",
    }

    response = client.post(url, data)

    assert response.status_code == 302
    event = AuditEvent.objects.get(action="client.update")
    assert event.changes["address"] == "[changed]"
    assert event.changes["preferred_name"] == ["", "Lex"]
    assert "Secret" not in str(event.changes)


def test_edit_client_conflict_keeps_the_second_editors_input(client, login, therapist):
    existing = ClientFactory(practice=therapist.practice, therapist=therapist)
    login(therapist)
    url = reverse("clinic:client-edit", args=[existing.public_id])
    base = {**VALID, "full_name": existing.full_name, "date_of_birth": "1990-05-17", "version": "1"}
    client.post(url, base | {"phone": "01632 960 001"})

    response = client.post(url, base | {"phone": "01632 960 999"})

    existing.refresh_from_db()
    assert response.status_code == 409
    assert b"01632 960 999" in response.content
    assert existing.phone == "01632 960 001"


def test_client_search_by_name_and_number(client, login, therapist, other_therapist):
    mine = ClientFactory(practice=therapist.practice, therapist=therapist, full_name="Morgan Reed")
    ClientFactory(practice=therapist.practice, therapist=therapist, full_name="Pat Lane")
    ClientFactory(practice=therapist.practice, therapist=other_therapist, full_name="Morgan Other")
    login(therapist)

    by_name = client.get(reverse("clinic:client-list"), {"q": "morgan"})
    by_number = client.get(reverse("clinic:client-list"), {"q": mine.client_number})

    assert [c.full_name for c in by_name.context["page"]] == ["Morgan Reed"]
    assert [c.full_name for c in by_number.context["page"]] == ["Morgan Reed"]


def test_admin_reassigns_the_therapist_and_the_course_follows(
    client, login, admin, therapist, other_therapist
):
    existing = ClientFactory(practice=therapist.practice, therapist=therapist)
    course = CourseFactory(client=existing)
    login(admin)

    response = client.post(
        reverse("clinic:client-assign", args=[existing.public_id]),
        {"therapist": str(other_therapist.public_id)},
    )

    existing.refresh_from_db()
    course.refresh_from_db()
    assert response.status_code == 302
    assert (existing.therapist, course.therapist) == (other_therapist, other_therapist)
    assert AuditEvent.objects.filter(action="client.assign_therapist").count() == 1


def test_reassignment_into_a_clash_lists_the_sessions_to_move_and_changes_nothing(
    client, login, admin, therapist, other_therapist, frozen
):
    existing = ClientFactory(
        practice=therapist.practice, therapist=therapist, full_name="Jo Bloggs"
    )
    course = start_course(
        course=CourseFactory(client=existing),
        values=PlanValues(
            planned_sessions=16,
            cadence="weekly",
            session_minutes=50,
            start_date=dt.date(2026, 3, 2),
            start_time=dt.time(10, 0),
        ),
        actor=therapist,
    )
    busy = course.appointments.filter(starts_at__gt=NOW).order_by("starts_at")[0]
    other = CourseFactory(
        client=ClientFactory(practice=therapist.practice, therapist=other_therapist),
        therapist=other_therapist,
    )
    AppointmentFactory(
        course=other, therapist=other_therapist, starts_at=busy.starts_at, ends_at=busy.ends_at
    )
    login(admin)

    response = client.post(
        reverse("clinic:client-assign", args=[existing.public_id]),
        {"therapist": str(other_therapist.public_id)},
    )

    existing.refresh_from_db()
    assert response.status_code == 409
    assert existing.therapist == therapist
    assert list(response.context["clashing"]) == [busy]
    move = reverse("clinic:appointment-move", args=[busy.public_id])
    assert f'href="{move}"' in response.content.decode()
    assert AuditEvent.objects.filter(action="client.assign_therapist").count() == 0


def test_reassigning_another_practices_client_is_a_404(client, login, admin, foreign_therapist):
    foreign = ClientFactory(practice=foreign_therapist.practice, therapist=foreign_therapist)
    login(admin)

    response = client.post(
        reverse("clinic:client-assign", args=[foreign.public_id]),
        {"therapist": str(foreign_therapist.public_id)},
    )

    assert response.status_code == 404


def test_therapist_cannot_reassign(client, login, therapist, other_therapist):
    existing = ClientFactory(practice=therapist.practice, therapist=therapist)
    login(therapist)

    response = client.post(
        reverse("clinic:client-assign", args=[existing.public_id]),
        {"therapist": str(other_therapist.public_id)},
    )

    existing.refresh_from_db()
    assert response.status_code == 404
    assert existing.therapist == therapist


def make_active_clients(therapist, count):
    for n in range(count):
        course = CourseFactory(
            client=ClientFactory(practice=therapist.practice, therapist=therapist)
        )
        start_course(
            course=course,
            values=PlanValues(
                planned_sessions=16,
                cadence="weekly",
                session_minutes=50,
                start_date=dt.date(2026, 3, 2) + dt.timedelta(days=n % 5),
                start_time=dt.time(8 + n // 5, 0) if n < 50 else dt.time(7, 0),
            ),
            actor=therapist,
        )


@pytest.mark.parametrize("count", [1, 20])
def test_caseload_query_count_is_the_same_for_1_and_20_clients(
    client, login, therapist, count, django_assert_num_queries
):
    with time_machine.travel(dt.datetime(2026, 4, 15, 11, 0, tzinfo=dt.UTC), tick=False):
        make_active_clients(therapist, count)
        login(therapist)
        client.get(reverse("clinic:home"))
        # 9 for the caseload, 1 for the not-on-track clients, 2 for what supervision adds
        # (open actions, notes waiting).
        with django_assert_num_queries(12):
            response = client.get(reverse("clinic:home"))

    assert len(response.context["caseload"].rows) == count
    row = response.context["caseload"].rows[0]
    assert (row.attended, row.phase, row.course.planned_sessions) == (0, "initial", 16)
    assert row.next_start is not None


def test_caseload_shows_n_of_N_phase_next_and_overdue(client, login, therapist):
    with time_machine.travel(dt.datetime(2026, 4, 15, 11, 0, tzinfo=dt.UTC), tick=False):
        make_active_clients(therapist, 1)
        from patternwork.treatment.models import Appointment
        from patternwork.treatment.services import mark_attended

        for appointment in Appointment.objects.order_by("starts_at")[:5]:
            mark_attended(appointment=appointment, actor=therapist)
        login(therapist)
        response = client.get(reverse("clinic:home"))

    row = response.context["caseload"].rows[0]
    html = response.content.decode()
    assert (row.attended, row.phase) == (5, "middle")
    assert "5 of 16" in html
    assert "Middle phase" in html
    assert {m.key for m in row.overdue} >= {"ipaf_agreed"}


def test_caseload_filters(client, login, therapist):
    with time_machine.travel(dt.datetime(2026, 4, 15, 11, 0, tzinfo=dt.UTC), tick=False):
        make_active_clients(therapist, 3)
        login(therapist)
        everyone = client.get(reverse("clinic:home"))
        name = everyone.context["caseload"].rows[1].client.full_name
        by_name = client.get(reverse("clinic:home"), {"q": name})
        middle = client.get(reverse("clinic:home"), {"phase": "middle"})

    assert [r.client.full_name for r in by_name.context["caseload"].rows] == [name]
    assert middle.context["caseload"].rows == []


def test_caseload_shows_only_own_clients(client, login, therapist, other_therapist):
    CourseFactory(
        client=ClientFactory(
            practice=therapist.practice, therapist=other_therapist, full_name="Not Mine"
        )
    )
    CourseFactory(
        client=ClientFactory(
            practice=therapist.practice, therapist=therapist, full_name="Mine Indeed"
        )
    )
    login(therapist)

    response = client.get(reverse("clinic:home"))

    assert [r.client.full_name for r in response.context["caseload"].rows] == ["Mine Indeed"]


def test_closing_a_record_needs_the_course_ended(client, login, therapist):
    existing = ClientFactory(practice=therapist.practice, therapist=therapist)
    course = CourseFactory(client=existing)
    login(therapist)
    url = reverse("clinic:client-edit", args=[existing.public_id])
    data = {
        **VALID,
        "full_name": existing.full_name,
        "date_of_birth": "1990-05-17",
        "status": "closed",
    }

    refused = client.post(url, data | {"version": "1"})
    course.state, course.end_reason = "ended", "completed"
    course.save()
    closed = client.post(url, data | {"version": "1"})

    existing.refresh_from_db()
    assert refused.status_code == 200
    assert "End the client" in refused.content.decode()
    assert closed.status_code == 302
    assert existing.status == "closed"


@pytest.fixture
def flagged_record(therapist):
    """A client whose course ended with a risk answer still unacknowledged."""
    return RiskFlagFactory(
        response__appointment__course__client__practice=therapist.practice,
        response__appointment__course__client__therapist=therapist,
        response__appointment__course__client__full_name="Flagged Person",
        response__appointment__course__state="ended",
        response__appointment__course__end_reason="dropped_out",
    )


def close_data(record):
    return {
        **VALID,
        "full_name": record.full_name,
        "date_of_birth": "1990-05-17",
        "phone": "01632 960123",
        "status": "closed",
        "version": "1",
    }


def test_closing_a_record_over_an_open_flag_is_refused_listing_it(
    client, login, therapist, flagged_record
):
    record = flagged_record.client
    login(therapist)

    response = client.post(
        reverse("clinic:client-edit", args=[record.public_id]), close_data(record)
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["form"].errors == {"close_override_reason": [CLOSE_WITH_OPEN_FLAGS]}
    assert f'href="{reverse("clinic:risk-flag", args=[flagged_record.public_id])}"' in html
    assert 'value="01632 960123"' in html
    record.refresh_from_db()
    assert (record.status, record.phone) == ("active", "")


def test_closing_a_record_with_a_reason_shows_it_to_the_supervisor(
    client, login, therapist, supervisor, flagged_record
):
    record = flagged_record.client
    login(therapist)

    response = client.post(
        reverse("clinic:client-edit", args=[record.public_id]),
        close_data(record) | {"close_override_reason": "Moved abroad; GP informed."},
    )

    record.refresh_from_db()
    assert response.status_code == 302
    assert (record.status, record.close_override_flags, record.close_override_reason) == (
        "closed",
        1,
        "Moved abroad; GP informed.",
    )
    login(supervisor)
    oversight = client.get(reverse("clinic:oversight"))
    assert [(r, r.still_open) for r in oversight.context["closed_over_flags"]] == [(record, 1)]
    assert "Record closed with 1 risk answer open" in oversight.content.decode()
    assert "Moved abroad; GP informed." in oversight.content.decode()


def test_edit_page_of_another_therapists_flagged_client_is_not_found(
    client, login, other_therapist, flagged_record
):
    login(other_therapist)

    response = client.post(
        reverse("clinic:client-edit", args=[flagged_record.client.public_id]),
        close_data(flagged_record.client) | {"close_override_reason": "Not mine."},
    )

    assert response.status_code == 404
    assert Client.objects.get(pk=flagged_record.client_id).status == "active"
