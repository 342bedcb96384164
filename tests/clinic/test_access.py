"""Who reaches what: the route inventory and the access matrix for staff pages."""

from types import SimpleNamespace

import pytest
from django.urls import reverse

from patternwork.audit.models import AuditEvent
from tests import objects, routes
from tests.factories import MembershipFactory, PracticeFactory, UserFactory
from tests.matrix import Cases, client_with, session_for

STAFF_AND_ADMIN = sorted(
    routes.names(routes.STAFF)
    + routes.names(routes.ADMIN)
    + routes.names(routes.CASELOAD)
    + routes.names(routes.REFERRALS)
)
CASELOAD_OBJECT_ROUTES = sorted(
    name for name, kind in routes.OBJECT_ROUTES.items() if kind in objects.CASELOAD_KINDS
)


@pytest.fixture(scope="module")
def matrix(module_db):
    """The people and objects the access matrix requests, built once for the module.

    Two practices; in the first a therapist, a colleague and an admin, in the second a
    therapist; two people with a login and no membership. For each of them, one object
    of every kind an object route addresses (the colleague: only caseload kinds), and
    the sessions the tests request with: each logged in once here, as the two-step
    login leaves it (or after the password only). Each test checks one rule over a
    family of routes, each route in its own savepoint (tests/matrix.py), so whatever a
    request writes is gone before the next case, and every case sees the objects and
    sessions as they were built.
    """
    with module_db():
        practice = PracticeFactory(name="Matrix Therapies", slug="matrix")
        elsewhere = PracticeFactory(name="Elsewhere Counselling", slug="elsewhere")

        def member(at, role, name):
            return MembershipFactory(practice=at, role=role, user__full_name=name)

        people = SimpleNamespace(
            therapist=member(practice, "therapist", "Dr Ada Therapist"),
            other_therapist=member(practice, "therapist", "Dr Ben Colleague"),
            admin=member(practice, "admin", "Dee Admin"),
            foreign_therapist=member(elsewhere, "therapist", "Dr Fay Elsewhere"),
            outsider=UserFactory(full_name="Client Person"),
            outsider_without_authenticator=UserFactory(full_name="Client Without Authenticator"),
        )
        kinds = sorted(set(routes.OBJECT_ROUTES.values()))
        people.objects = {
            owner.pk: {
                kind: objects.build(kind, owner)
                for kind in kinds
                if owner is not people.other_therapist or kind in objects.CASELOAD_KINDS
            }
            for owner in (
                people.therapist,
                people.admin,
                people.foreign_therapist,
                people.other_therapist,
            )
        }
        people.sessions = {
            "admin": session_for(people.admin.user),
            "therapist": session_for(people.therapist.user),
            "outsider": session_for(people.outsider),
            # Logged in with the password only: the second factor is still to come.
            "admin_password_only": session_for(people.admin.user, second_factor=False),
            "outsider_without_authenticator": session_for(
                people.outsider_without_authenticator, second_factor=False
            ),
        }
    return people


def url_for(matrix, name, member):
    """The route's URL; an object route gets the member's object of its kind."""
    if name in routes.OBJECT_ROUTES:
        obj = matrix.objects[member.pk][routes.OBJECT_ROUTES[name]]
        return reverse(name, args=[obj.public_id])
    return reverse(name)


def request(client, name, url):
    return client.post(url) if name in routes.POST_ONLY else client.get(url)


def test_every_route_is_classified():
    assert routes.all_route_names() == set(routes.ROUTES)
    assert routes.unnamed_routes() == []


def test_staff_page_redirects_anonymous_to_login(db, matrix):
    cases = Cases()
    for name in STAFF_AND_ADMIN:
        url = url_for(matrix, name, matrix.therapist)
        with cases.case(route=name, principal="anonymous", url=url):
            response = request(client_with(), name, url)

            assert response.status_code == 302
            assert response["Location"].startswith(reverse("clinic:login"))
    cases.check(len(STAFF_AND_ADMIN))


def test_staff_page_refuses_a_session_without_second_factor(db, matrix):
    session = matrix.sessions["admin_password_only"]
    cases = Cases()
    for name in STAFF_AND_ADMIN:
        url = url_for(matrix, name, matrix.therapist)
        with cases.case(route=name, principal="admin, password only", url=url):
            response = request(client_with(session), name, url)

            assert response.status_code == 302
            assert response["Location"].startswith(reverse("clinic:otp-verify"))
    cases.check(len(STAFF_AND_ADMIN))


def test_staff_page_is_not_found_for_someone_without_a_membership(db, matrix):
    outsider = matrix.outsider
    cases = Cases()
    for name in STAFF_AND_ADMIN:
        url = url_for(matrix, name, matrix.therapist)
        with cases.case(route=name, principal="login without a membership", url=url):
            response = request(client_with(matrix.sessions["outsider"]), name, url)

            assert response.status_code == 404
            assert AuditEvent.objects.filter(actor=outsider, action="access.denied").count() == 1
    cases.check(len(STAFF_AND_ADMIN))


def test_admin_page_is_forbidden_to_a_therapist_and_audited(db, matrix):
    therapist = matrix.therapist
    names = routes.names(routes.ADMIN)
    cases = Cases()
    for name in names:
        url = url_for(matrix, name, therapist)
        with cases.case(route=name, principal="therapist", url=url):
            response = request(client_with(matrix.sessions["therapist"]), name, url)

            assert response.status_code == (404 if name in routes.OBJECT_ROUTES else 403)
            event = AuditEvent.objects.get(action="access.denied")
            assert (event.actor, event.outcome, event.practice) == (
                therapist.user,
                "denied",
                therapist.practice,
            )
    cases.check(len(names))


@pytest.mark.parametrize("role", ["admin", "therapist"])
def test_object_of_another_practice_is_not_found(db, matrix, role):
    cases = Cases()
    for name in sorted(routes.OBJECT_ROUTES):
        kind = routes.OBJECT_ROUTES[name]
        foreign = matrix.objects[matrix.foreign_therapist.pk][kind]
        with cases.case(route=name, principal=role, object=f"{kind} {foreign.public_id}"):
            before = AuditEvent.objects.exclude(action="access.denied").count()

            response = request(
                client_with(matrix.sessions[role]), name, reverse(name, args=[foreign.public_id])
            )

            assert response.status_code == 404
            assert AuditEvent.objects.exclude(action="access.denied").count() == before
            assert AuditEvent.objects.filter(
                action="access.denied", object_id=str(foreign.public_id)
            ).exists()
    cases.check(len(routes.OBJECT_ROUTES))


def test_object_of_another_therapists_client_is_not_found(db, matrix):
    cases = Cases()
    for name in CASELOAD_OBJECT_ROUTES:
        kind = routes.OBJECT_ROUTES[name]
        theirs = matrix.objects[matrix.other_therapist.pk][kind]
        with cases.case(route=name, principal="therapist", object=f"{kind} {theirs.public_id}"):
            before = AuditEvent.objects.exclude(action="access.denied").count()

            response = request(
                client_with(matrix.sessions["therapist"]),
                name,
                reverse(name, args=[theirs.public_id]),
            )

            assert response.status_code == 404
            assert AuditEvent.objects.exclude(action="access.denied").count() == before
    cases.check(len(CASELOAD_OBJECT_ROUTES))


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


def test_object_route_with_unknown_id_is_not_found(db, matrix):
    unknown = "00000000-0000-4000-8000-000000000000"
    cases = Cases()
    for name in sorted(routes.OBJECT_ROUTES):
        with cases.case(route=name, principal="admin", object=unknown):
            url = reverse(name, args=[unknown])

            assert request(client_with(matrix.sessions["admin"]), name, url).status_code == 404
    cases.check(len(routes.OBJECT_ROUTES))


def test_staff_pages_are_never_cached_and_carry_a_strict_csp(db, matrix):
    cases = Cases()
    for name in STAFF_AND_ADMIN:
        url = url_for(matrix, name, matrix.admin)
        with cases.case(route=name, principal="admin", url=url):
            response = request(client_with(matrix.sessions["admin"]), name, url)

            assert response["Cache-Control"] == "no-store"
            csp = response["Content-Security-Policy"]
            assert "script-src 'self'" in csp
            assert "unsafe-inline" not in csp
            assert "unsafe-eval" not in csp
    cases.check(len(STAFF_AND_ADMIN))


def test_deactivated_members_session_dies_on_the_next_request(client, login, therapist, admin):
    login(therapist)
    assert client.get(reverse("clinic:home")).status_code == 200
    therapist.is_active = False
    therapist.save(update_fields=["is_active"])

    response = client.get(reverse("clinic:home"))

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_staff_page_is_not_found_for_a_client_without_a_second_factor(db, matrix):
    session = matrix.sessions["outsider_without_authenticator"]
    cases = Cases()
    for name in STAFF_AND_ADMIN:
        url = url_for(matrix, name, matrix.therapist)
        with cases.case(route=name, principal="login without a membership or device", url=url):
            response = request(client_with(session), name, url)

            assert response.status_code == 404
    cases.check(len(STAFF_AND_ADMIN))


def test_staff_login_refuses_a_client_login(client, db):
    from tests.factories import TEST_PASSWORD

    person = UserFactory(full_name="Client Person")

    response = client.post(
        reverse("clinic:login"), {"email": person.email, "password": TEST_PASSWORD}
    )

    assert response.status_code == 200
    assert "This login is for practice staff" in response.content.decode()
    assert "_auth_user_id" not in client.session
