"""Every page that shows a client's clinical content records who saw it, once per request."""

import pytest
from django.urls import reverse

from patternwork.accounts.access import READ_ACTION
from patternwork.audit.models import AuditEvent
from patternwork.clients.models import Client
from tests import objects, routes
from tests.matrix import Cases, client_with, session_for

# Pages that show clinical content (notes, answers, episodes, the IPAF, letters, the
# journal), and those that show none. Every object page reached by GET is in one of them.
CLINICAL = {
    "clinic:appointment-detail",
    "clinic:assessment-record",
    "clinic:decision-letter",
    "clinic:decision-letter-pdf",
    "clinic:course-detail",
    "clinic:course-summary-pdf",
    "clinic:episode-detail",
    "clinic:episode-list",
    "clinic:episode-new",
    "clinic:ipaf",
    "clinic:ipaf-compare",
    "clinic:journal-entry",
    "clinic:journal-list",
    "clinic:letter",
    "clinic:letter-pdf",
    "clinic:letter-share",
    "clinic:measures-record",
    "clinic:pattern",
    "clinic:pattern-evidence",
    "clinic:person-edit",
    "clinic:relationship-map",
    "clinic:risk-flag",
    "clinic:session-rating",
    "clinic:track-flag",
}
NOT_CLINICAL = {
    "clinic:client-calendar",
    "clinic:client-detail",
    "clinic:client-edit",
    "clinic:course-assessment",
    "clinic:course-end",
    "clinic:course-plan",
    "clinic:course-start",
    "clinic:course-record-past",
    "clinic:waiting-offer",
}


def object_get_routes():
    return {
        name
        for name, access in routes.ROUTES.items()
        if access == routes.CASELOAD and name not in routes.POST_ONLY
    }


def client_of(obj) -> Client:
    for path in ("client", "course__client"):
        current = obj
        for part in path.split("__"):
            current = getattr(current, part, None)
        if isinstance(current, Client):
            return current
    if isinstance(obj, Client):
        return obj
    return obj.course.client


def reads():
    return AuditEvent.objects.filter(action=READ_ACTION).order_by("id")


def test_every_caseload_page_is_classified_as_showing_clinical_content_or_not():
    assert object_get_routes() == CLINICAL | NOT_CLINICAL
    assert not CLINICAL & NOT_CLINICAL


# The two tests below check one rule over every page of a family, each page in its own
# savepoint (tests/matrix.py): the page's object and the reads it records are gone before
# the next page, and every failing page is named.


@pytest.mark.parametrize("reader", ["therapist", "supervisor", "admin"])
def test_clinical_page_records_one_read_per_request(therapist, supervisor, admin, practice, reader):
    practice.admins_read_clinical = True
    practice.save(update_fields=["admins_read_clinical"])
    member = {"therapist": therapist, "supervisor": supervisor, "admin": admin}[reader]
    session = session_for(member.user)
    cases = Cases()
    for name in sorted(CLINICAL):
        kind = routes.OBJECT_ROUTES[name]
        with cases.case(route=name, principal=reader, object=kind):
            obj = objects.build(kind, therapist)
            url = reverse(name, args=[obj.public_id])
            client = client_with(session)

            first = client.get(url)
            client.get(url)

            assert first.status_code in (200, 302)
            events = list(reads())
            assert len(events) == 2
            assert {(e.actor, e.actor_role, e.practice, e.object_type) for e in events} == {
                (member.user, member.role, practice, "clients.client")
            }
            assert {e.object_id for e in events} == {str(client_of(obj).public_id)}
            assert all(e.changes["kind"] for e in events)
    cases.check(len(CLINICAL))


def test_page_without_clinical_content_records_no_read(therapist):
    session = session_for(therapist.user)
    cases = Cases()
    for name in sorted(NOT_CLINICAL):
        kind = routes.OBJECT_ROUTES[name]
        with cases.case(route=name, principal="therapist", object=kind):
            obj = objects.build(kind, therapist)

            response = client_with(session).get(reverse(name, args=[obj.public_id]))

            assert response.status_code == 200
            assert not reads().exists()
    cases.check(len(NOT_CLINICAL))


def test_another_therapists_client_is_not_found_and_records_no_read(
    client, login, therapist, other_therapist
):
    episode = objects.build("episode", other_therapist)
    login(therapist)

    response = client.get(reverse("clinic:episode-detail", args=[episode.public_id]))

    assert response.status_code == 404
    assert not reads().exists()
    assert AuditEvent.objects.filter(action="access.denied", actor=therapist.user).count() == 1


def test_audit_page_answers_who_has_seen_a_clients_record(
    client, login, therapist, supervisor, admin
):
    episode = objects.build("episode", therapist)
    other = objects.build("episode", therapist)
    for member in (therapist, supervisor):
        login(member)
        client.get(reverse("clinic:episode-detail", args=[episode.public_id]))
        client.get(reverse("clinic:episode-detail", args=[other.public_id]))
    login(admin)

    response = client.get(
        reverse("clinic:audit-log"),
        {"client": episode.client.client_number.lower(), "action": READ_ACTION},
    )

    shown = list(response.context["page"])
    assert response.status_code == 200
    assert [(e.actor, e.changes["kind"]) for e in shown] == [
        (supervisor.user, "relationship episode"),
        (therapist.user, "relationship episode"),
    ]
    assert {e.object_id for e in shown} == {str(episode.client.public_id)}


def test_audit_page_refuses_an_unknown_client_number(client, login, admin):
    login(admin)

    response = client.get(reverse("clinic:audit-log"), {"client": "C99999"})

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "client": ["No client of this practice has that number."]
    }
