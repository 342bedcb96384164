"""Bad input never crashes: every route answers hostile values with a 4xx, never a 5xx."""

import re
import uuid
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from tests import objects, routes
from tests.conftest import verified_login
from tests.factories import AppointmentFactory, CourseFactory, PortalClientFactory
from tests.routes.portal_client import CLIENT_OBJECT_ROUTES

HUGE = "9" * 30  # beyond any database integer
FORM_FIELD = re.compile(r'<(?:input|select|textarea)[^>]*\sname="([^"]+)"')
UTF16_FORM = "application/x-www-form-urlencoded; charset=utf-16"
# Arguments for routes addressed by something other than an object's public id.
OTHER_ARGS = {
    "clinic:invitation-accept": ["not-a-token"],
    "portal:invitation": ["not-a-token"],
    "clinic:password-reset-confirm": ["MQ", "not-a-token"],
    "portal:password-reset-confirm": ["MQ", "not-a-token"],
    "portal:practice-page": ["northgate"],
    "portal:self-referral": ["northgate"],
    "portal:self-referral-sent": ["northgate"],
}


def _staff_url(name, therapist):
    if name in routes.OBJECT_ROUTES:
        return reverse(name, args=[objects.build(routes.OBJECT_ROUTES[name], therapist).public_id])
    return _plain_url(name)


def _plain_url(name):
    if name in OTHER_ARGS:
        return reverse(name, args=OTHER_ARGS[name])
    try:
        return reverse(name)
    except NoReverseMatch:
        return reverse(name, args=[uuid.uuid4()])


def _portal_url(name, portal_client):
    if name not in CLIENT_OBJECT_ROUTES:
        return _plain_url(name)
    course = CourseFactory(client=portal_client, state="active")
    return reverse(name, args=[AppointmentFactory(course=course).public_id])


def _hostile_requests(browser: Client, name: str, url: str):
    """Each hostile request to one route, with its answer."""
    # Routes that only take a POST show their form on another page: always send the
    # names that forms in the inventory use for integer choices too.
    fields = {"next", "supervisees", "therapist", "categories", "page"}
    if name not in routes.POST_ONLY:
        page = browser.get(url)
        yield "GET", page
        if not page.streaming:
            fields |= set(FORM_FIELD.findall(page.content.decode("utf-8", "replace")))
        for query in ("next=abc", "next=%FF%FE", f"page={HUGE}", f"next=//evil.test/{HUGE}"):
            yield f"GET ?{query}", browser.get(f"{url}?{query}")
    fields.discard("csrfmiddlewaretoken")
    huge = {field: HUGE for field in sorted(fields)}
    yield "POST huge ints", browser.post(url, huge)
    yield "POST next=abc", browser.post(url, {**huge, "next": "abc"})
    # The test client encodes a text body in the charset the content type names.
    yield "POST utf-16", browser.post(url, urlencode(huge), content_type=UTF16_FORM)
    raw = b"next=%FF%FE&" + urlencode(huge).encode()
    yield (
        "POST next=%FF%FE",
        browser.post(url, raw, content_type="application/x-www-form-urlencoded"),
    )


def _server_errors(browser, name, url):
    return [
        f"{what}: {response.status_code}"
        for what, response in _hostile_requests(browser, name, url)
        if response.status_code >= 500
    ]


def test_out_of_range_supervisee_id_is_a_bad_request(client, login, admin, supervisor):
    login(admin)
    url = reverse("clinic:staff-supervisees", args=[supervisor.public_id])

    response = client.post(url, {"supervisees": HUGE})

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


@pytest.mark.parametrize("query", ["next=abc", "next=%FF%FE", "next=%2F%2Fevil.test%2F"])
def test_staff_login_page_for_a_logged_in_member_ignores_a_bad_next(client, login, admin, query):
    login(admin)

    response = client.get(f"{reverse('clinic:login')}?{query}")

    assert (response.status_code, response["Location"]) == (302, reverse("clinic:home"))


@pytest.mark.parametrize("query", ["next=abc", "next=%FF%FE"])
def test_portal_login_page_for_a_logged_in_client_ignores_a_bad_next(client, therapist, query):
    person = PortalClientFactory(practice=therapist.practice, therapist=therapist)
    client.force_login(person.user)

    response = client.get(f"{reverse('portal:login')}?{query}")

    assert (response.status_code, response["Location"]) == (302, reverse("portal:home"))


def test_form_post_in_utf16_is_refused_with_415(client, db):
    body = urlencode({"email": "someone@example.test", "password": "x"})

    response = client.post(reverse("clinic:login"), body, content_type=UTF16_FORM)

    assert response.status_code == 415
    assert response.content.decode() == "Send form and JSON data encoded as UTF-8."


def test_form_post_declaring_utf8_is_read(client, db):
    body = urlencode({"email": "someone@example.test", "password": "x"})

    response = client.post(
        reverse("clinic:login"),
        body,
        content_type="application/x-www-form-urlencoded; charset=UTF-8",
    )

    assert response.status_code == 200
    assert "The email address or password is not correct." in response.content.decode()


STAFF_ROUTES = sorted(
    routes.names(routes.STAFF)
    + routes.names(routes.ADMIN)
    + routes.names(routes.CASELOAD)
    + routes.names(routes.REFERRALS)
)
OPEN_ROUTES = sorted(routes.names(routes.PUBLIC) + routes.names(routes.PASSWORD_STAGE))


@pytest.mark.slow
@pytest.mark.parametrize("name", STAFF_ROUTES)
def test_fuzz_staff_route_gives_no_server_error(client, admin, therapist, name):
    admin.practice.admins_read_clinical = True
    admin.practice.save(update_fields=["admins_read_clinical"])
    verified_login(client, admin.user)

    assert _server_errors(client, name, _staff_url(name, therapist)) == []


@pytest.mark.slow
@pytest.mark.parametrize("signed_in", ["nobody", "admin", "client"])
@pytest.mark.parametrize("name", OPEN_ROUTES)
def test_fuzz_open_route_gives_no_server_error(client, admin, therapist, signed_in, name):
    if signed_in == "admin":
        verified_login(client, admin.user)
    elif signed_in == "client":
        client.force_login(PortalClientFactory(practice=admin.practice, therapist=therapist).user)

    assert _server_errors(client, name, _plain_url(name)) == []


@pytest.mark.slow
@pytest.mark.parametrize("name", routes.names(routes.CLIENT))
def test_fuzz_portal_route_gives_no_server_error(client, therapist, name):
    person = PortalClientFactory(practice=therapist.practice, therapist=therapist)
    client.force_login(person.user)

    assert _server_errors(client, name, _portal_url(name, person)) == []
