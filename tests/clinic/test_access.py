"""Who reaches what: the route inventory and the access matrix for staff pages."""

import pytest
from django.urls import reverse

from patternwork.audit.models import AuditEvent
from tests import objects, routes
from tests.factories import MembershipFactory, UserFactory

STAFF_AND_ADMIN = sorted(
    routes.names(routes.STAFF)
    + routes.names(routes.ADMIN)
    + routes.names(routes.CASELOAD)
    + routes.names(routes.REFERRALS)
)
CASELOAD_OBJECT_ROUTES = sorted(
    name for name, kind in routes.OBJECT_ROUTES.items() if kind in objects.CASELOAD_KINDS
)


def url_for(name, member):
    """The route's URL; an object route gets an object of the member's practice."""
    if name in routes.OBJECT_ROUTES:
        obj = objects.build(routes.OBJECT_ROUTES[name], member)
        return reverse(name, args=[obj.public_id])
    return reverse(name)


def request(client, name, url):
    return client.post(url) if name in routes.POST_ONLY else client.get(url)


def test_every_route_is_classified():
    assert routes.all_route_names() == set(routes.ROUTES)
    assert routes.unnamed_routes() == []


@pytest.mark.parametrize("name", STAFF_AND_ADMIN)
def test_staff_page_redirects_anonymous_to_login(client, therapist, name):
    url = url_for(name, therapist)

    response = request(client, name, url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("clinic:login"))


@pytest.mark.parametrize("name", STAFF_AND_ADMIN)
def test_staff_page_refuses_a_session_without_second_factor(client, admin, therapist, name):
    client.force_login(admin.user)

    response = request(client, name, url_for(name, therapist))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("clinic:otp-verify"))


@pytest.mark.parametrize("name", STAFF_AND_ADMIN)
def test_staff_page_is_not_found_for_someone_without_a_membership(client, login, therapist, name):
    outsider = UserFactory(full_name="Client Person")
    login(outsider)

    response = request(client, name, url_for(name, therapist))

    assert response.status_code == 404
    assert AuditEvent.objects.filter(actor=outsider, action="access.denied").count() == 1


@pytest.mark.parametrize("name", routes.names(routes.ADMIN))
def test_admin_page_is_forbidden_to_a_therapist_and_audited(client, login, therapist, name):
    login(therapist)

    response = request(client, name, url_for(name, therapist))

    assert response.status_code == (404 if name in routes.OBJECT_ROUTES else 403)
    event = AuditEvent.objects.get(action="access.denied")
    assert (event.actor, event.outcome, event.practice) == (
        therapist.user,
        "denied",
        therapist.practice,
    )


@pytest.mark.parametrize("role", ["admin", "therapist"])
@pytest.mark.parametrize("name", sorted(routes.OBJECT_ROUTES))
def test_object_of_another_practice_is_not_found(
    client, login, admin, therapist, foreign_therapist, role, name
):
    foreign = objects.build(routes.OBJECT_ROUTES[name], foreign_therapist)
    login(admin if role == "admin" else therapist)
    before = AuditEvent.objects.exclude(action="access.denied").count()

    response = request(client, name, reverse(name, args=[foreign.public_id]))

    assert response.status_code == 404
    assert AuditEvent.objects.exclude(action="access.denied").count() == before
    assert AuditEvent.objects.filter(
        action="access.denied", object_id=str(foreign.public_id)
    ).exists()


@pytest.mark.parametrize("name", CASELOAD_OBJECT_ROUTES)
def test_object_of_another_therapists_client_is_not_found(
    client, login, therapist, other_therapist, name
):
    theirs = objects.build(routes.OBJECT_ROUTES[name], other_therapist)
    login(therapist)
    before = AuditEvent.objects.exclude(action="access.denied").count()

    response = request(client, name, reverse(name, args=[theirs.public_id]))

    assert response.status_code == 404
    assert AuditEvent.objects.exclude(action="access.denied").count() == before


LIST_VIEWS = sorted(
    (name, query, kind) for name, views in routes.LIST_CONTENTS.items() for query, kind in views
)


def test_every_list_page_of_client_rows_is_in_the_inventory():
    assert set(routes.LIST_CONTENTS) == {
        "clinic:home",
        "clinic:client-list",
        "clinic:waiting-list",
        "clinic:referral-list",
    }


@pytest.mark.parametrize("reader", ["therapist", "supervisor_without_supervisees"])
@pytest.mark.parametrize(("name", "query", "kind"), LIST_VIEWS)
def test_list_page_shows_no_row_outside_the_readers_scope(
    client, login, practice, therapist, other_therapist, reader, name, query, kind
):
    if reader == "therapist":
        member = therapist
    else:
        member = MembershipFactory(practice=practice, role="supervisor")
    build, in_caseload = objects.LIST_ROWS[kind]
    build(other_therapist, "Zed Notmine")
    if in_caseload:
        build(member, "Yara Mine")
    login(member)

    page = client.get(f"{reverse(name)}?{query}").content.decode()

    assert "Notmine" not in page
    assert ("Yara Mine" in page) is in_caseload


@pytest.mark.parametrize("name", sorted(routes.OBJECT_ROUTES))
def test_object_route_with_unknown_id_is_not_found(client, login, admin, name):
    login(admin)
    url = reverse(name, args=["00000000-0000-4000-8000-000000000000"])

    assert request(client, name, url).status_code == 404


@pytest.mark.parametrize("name", STAFF_AND_ADMIN)
def test_staff_pages_are_never_cached_and_carry_a_strict_csp(client, login, admin, name):
    login(admin)

    response = request(client, name, url_for(name, admin))

    assert response["Cache-Control"] == "no-store"
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp


def test_deactivated_members_session_dies_on_the_next_request(client, login, therapist, admin):
    login(therapist)
    assert client.get(reverse("clinic:home")).status_code == 200
    therapist.is_active = False
    therapist.save(update_fields=["is_active"])

    response = client.get(reverse("clinic:home"))

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("name", STAFF_AND_ADMIN)
def test_staff_page_is_not_found_for_a_client_without_a_second_factor(client, therapist, name):
    outsider = UserFactory(full_name="Client Without Authenticator")
    client.force_login(outsider)

    response = request(client, name, url_for(name, therapist))

    assert response.status_code == 404


def test_staff_login_refuses_a_client_login(client, db):
    from tests.factories import TEST_PASSWORD

    person = UserFactory(full_name="Client Person")

    response = client.post(
        reverse("clinic:login"), {"email": person.email, "password": TEST_PASSWORD}
    )

    assert response.status_code == 200
    assert "This login is for practice staff" in response.content.decode()
    assert "_auth_user_id" not in client.session
