"""Portal access: invitations, the client's login (second factor optional), who sees what."""

import datetime as dt
import re
import uuid
from html import unescape
from urllib.parse import urlencode

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django_otp.oath import TOTP

from patternwork.accounts.login import SETUP_KEY
from patternwork.accounts.models import LoginFailure, TOTPDevice, User
from patternwork.audit.models import AuditEvent
from patternwork.clients import logins
from tests import objects, routes
from tests.conftest import verified_login
from tests.factories import (
    TEST_PASSWORD,
    AppointmentFactory,
    ClientFactory,
    CourseFactory,
    DecisionLetterFactory,
    IpafVersionFactory,
    OfferFactory,
    PortalClientFactory,
    UserFactory,
)
from tests.matrix import Cases, client_with, session_for
from tests.routes.portal_client import CLIENT_OBJECT_ROUTES

pytestmark = pytest.mark.usefixtures("frozen")

NOW = dt.datetime(2026, 4, 1, 11, 0, tzinfo=dt.UTC)
BASE = "http://127.0.0.1:8000"
NEW_PASSWORD = "a calm walk by the river"
LOGIN = reverse("portal:login")
VERIFY = reverse("portal:otp-verify")
SETUP = reverse("portal:otp-setup")
HOME = reverse("portal:home")
CLIENT_ROUTES = routes.names(routes.CLIENT)
STAFF_PAGES = sorted(
    routes.names(routes.STAFF)
    + routes.names(routes.ADMIN)
    + routes.names(routes.CASELOAD)
    + routes.names(routes.REFERRALS)
)


@pytest.fixture
def invitee(therapist):
    """A client of the therapist, with an email address and consent to email."""
    return ClientFactory(
        practice=therapist.practice,
        therapist=therapist,
        full_name="Jo Bloggs",
        preferred_name="Jo",
        email="Jo.Bloggs@Example.test",
        contact_by_email=True,
    )


@pytest.fixture
def invite(client, django_capture_on_commit_callbacks):
    """Press "Invite to the portal"; the email goes out after commit, as in production."""

    def _invite(target):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("clinic:client-portal-invite", args=[target.public_id]))

    return _invite


def invitation_path(message) -> str:
    link = re.search(r"http://\S+/portal/invitation/\S+/", message.body).group(0)
    return link.removeprefix(BASE)


def set_password(client, path, password=NEW_PASSWORD):
    return client.post(path, {"password1": password, "password2": password})


def page_text(response) -> str:
    return unescape(response.content.decode())


def code_for(device, at=None):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = (at or timezone.now()).timestamp()
    return f"{totp.token():06d}"


# ---- Inviting -------------------------------------------------------------------------


def test_invite_sends_a_72_hour_one_time_link_and_audits(client, login, therapist, invitee, invite):
    login(therapist)

    response = invite(invitee)

    assert response.status_code == 302
    assert response["Location"] == reverse("clinic:client-detail", args=[invitee.public_id])
    [message] = mail.outbox
    assert message.to == ["jo.bloggs@example.test"]
    assert message.subject == "Your client portal at Northgate Therapies"
    assert message.body.startswith(
        "Hello Jo,\n\nDr Ada Therapist at Northgate Therapies has invited you to your client "
        "portal."
    )
    assert "Set your password within 72 hours at this address (it works once):" in message.body
    assert f"log in at {BASE}/portal/login/?practice=northgate" in message.body
    assert "not watched around the clock" in message.body
    assert "Samaritans are there day and night on 116 123 (free)." in message.body
    invitee.refresh_from_db()
    assert invitee.portal_invited_at == NOW
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.practice, event.object_id, event.changes) == (
        "portal.invite",
        therapist.user,
        therapist.practice,
        str(invitee.public_id),
        {"invited_again": False},
    )
    page = client.get(response["Location"])
    assert "Invited on 1 Apr 2026 12:00 (Jo.Bloggs@Example.test)." in page_text(page)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"email": ""}, logins.NO_EMAIL),
        ({"contact_by_email": False}, logins.NO_EMAIL_CONSENT),
        ({"status": "closed"}, logins.RECORD_CLOSED),
    ],
)
def test_invite_is_refused_with_a_clear_message(
    client, login, therapist, invitee, invite, change, message
):
    for field, value in change.items():
        setattr(invitee, field, value)
    invitee.save()
    login(therapist)

    response = invite(invitee)

    assert response.status_code == 302
    assert str(message) in page_text(client.get(response["Location"]))
    assert mail.outbox == []
    assert not AuditEvent.objects.filter(action="portal.invite").exists()


def test_invite_is_refused_when_the_email_belongs_to_another_account(
    client, login, therapist, invitee, invite
):
    UserFactory(email="jo.bloggs@example.test")
    login(therapist)

    response = invite(invitee)

    expected = str(logins.EMAIL_TAKEN).format(email="jo.bloggs@example.test")
    assert expected in page_text(client.get(response["Location"]))
    assert mail.outbox == []


def test_invite_is_refused_while_access_is_active(client, login, therapist, jo, invite):
    login(therapist)

    response = invite(jo)

    assert str(logins.ALREADY_ACTIVE) in page_text(client.get(response["Location"]))
    assert mail.outbox == []


def test_client_page_shows_the_portal_state(client, login, therapist, invitee, jo):
    login(therapist)

    fresh = page_text(client.get(reverse("clinic:client-detail", args=[invitee.public_id])))
    active = page_text(client.get(reverse("clinic:client-detail", args=[jo.public_id])))

    assert "Invite to the portal" in fresh
    assert "An email goes to Jo.Bloggs@Example.test with a link to set a password" in fresh
    assert "Portal access: active since 1 Apr 2026." in active
    assert "Remove portal access" in active
    assert "Invite to the portal" not in active


# ---- Accepting ------------------------------------------------------------------------


def test_invitation_sets_the_password_once_and_creates_the_login(
    client, login, therapist, invitee, invite
):
    login(therapist)
    invite(invitee)
    path = invitation_path(mail.outbox[0])
    client.post(reverse("clinic:logout"))

    page = client.get(path)
    done = set_password(client, path)
    again = client.get(path)

    assert page.status_code == 200
    assert "You will log in with your email address, Jo.Bloggs@Example.test" in page_text(page)
    assert (done.status_code, done["Location"]) == (302, f"{LOGIN}?practice=northgate")
    invitee.refresh_from_db()
    user = invitee.user
    assert (user.email, user.full_name, user.is_active) == (
        "jo.bloggs@example.test",
        "Jo Bloggs",
        True,
    )
    assert user.check_password(NEW_PASSWORD)
    assert user.memberships.count() == 0
    event = AuditEvent.objects.get(action="portal.invitation_accepted")
    assert (event.actor, event.actor_role, event.practice, event.object_id) == (
        user,
        "client",
        therapist.practice,
        str(invitee.public_id),
    )
    assert again.status_code == 400
    assert "The link has already been used: each invitation link works once." in page_text(again)


def test_invitation_link_expires_after_72_hours(client, login, therapist, invitee, invite, frozen):
    login(therapist)
    invite(invitee)
    path = invitation_path(mail.outbox[0])
    client.post(reverse("clinic:logout"))

    frozen.move_to(NOW + dt.timedelta(hours=71, minutes=59))
    assert client.get(path).status_code == 200
    frozen.move_to(NOW + dt.timedelta(hours=72, seconds=1))
    expired = client.get(path)
    refused = set_password(client, path)

    assert expired.status_code == 400
    text = page_text(expired)
    assert "The link has expired: invitation links work for 72 hours after they are sent." in text
    # The practice is still named, with its crisis lines.
    assert "Northgate Therapies" in text
    assert "Samaritans are there day and night" in text
    assert refused.status_code == 400
    invitee.refresh_from_db()
    assert invitee.user is None


def test_inviting_again_kills_the_older_link(client, login, therapist, invitee, invite, frozen):
    login(therapist)
    invite(invitee)
    frozen.move_to(NOW + dt.timedelta(minutes=5))
    invite(invitee)
    old, new = (invitation_path(message) for message in mail.outbox)
    client.post(reverse("clinic:logout"))

    response = set_password(client, old)

    assert response.status_code == 400
    assert "A newer invitation has been sent to you since this one" in page_text(response)
    assert AuditEvent.objects.get(action="portal.invite", changes__invited_again=True)
    assert client.get(new).status_code == 200


def test_tampered_link_is_refused(client):
    response = client.get(reverse("portal:invitation", args=["not-a-real-token"]))

    assert response.status_code == 400
    text = page_text(response)
    assert "The link is not valid. Check that you copied all of it from the email" in text
    # No practice is known: the UK default crisis lines stand in.
    assert "call NHS 111" in text


def test_withdrawn_invitation_is_refused(client, login, therapist, invitee, invite):
    login(therapist)
    invite(invitee)
    client.post(reverse("clinic:client-portal-revoke", args=[invitee.public_id]))
    client.post(reverse("clinic:logout"))

    response = client.get(invitation_path(mail.outbox[0]))

    assert response.status_code == 400
    assert "This invitation has been withdrawn by the practice." in page_text(response)
    event = AuditEvent.objects.get(action="portal.revoke")
    assert event.changes == {"invitation": ["open", "withdrawn"]}


def test_invitation_refuses_a_weak_password_and_the_link_still_works(
    client, login, therapist, invitee, invite
):
    login(therapist)
    invite(invitee)
    path = invitation_path(mail.outbox[0])
    client.post(reverse("clinic:logout"))

    response = set_password(client, path, "short-pw")

    assert response.status_code == 400
    assert "at least 12 characters" in page_text(response)
    assert client.get(path).status_code == 200
    assert not AuditEvent.objects.filter(action="portal.invitation_accepted").exists()


def test_invitation_refused_when_the_email_was_taken_meanwhile(
    client, login, therapist, invitee, invite
):
    login(therapist)
    invite(invitee)
    path = invitation_path(mail.outbox[0])
    client.post(reverse("clinic:logout"))
    UserFactory(email="jo.bloggs@example.test")

    response = set_password(client, path)

    assert response.status_code == 400
    assert str(logins.EMAIL_TAKEN_FOR_CLIENT) in page_text(response)
    invitee.refresh_from_db()
    assert invitee.user is None


# ---- Removing access ------------------------------------------------------------------


def test_removing_access_ends_the_clients_session_at_once(client, login, therapist, jo):
    login(jo.user)  # the client, fully logged in with an authenticator app
    assert client.get(HOME).status_code == 200
    staff = verified_login(Client(), therapist.user)

    response = staff.post(reverse("clinic:client-portal-revoke", args=[jo.public_id]))

    assert response.status_code == 302
    jo.refresh_from_db()
    jo.user.refresh_from_db()
    assert (jo.user.is_active, jo.portal_invited_at) == (False, None)
    assert not TOTPDevice.objects.filter(user=jo.user).exists()
    after = client.get(HOME)
    assert (after.status_code, after["Location"]) == (302, f"{LOGIN}?next=%2Fportal%2F")
    event = AuditEvent.objects.get(action="portal.revoke")
    assert (event.actor, event.changes) == (
        therapist.user,
        {"access": ["active", "removed"], "second_factor_removed": True},
    )
    page = page_text(staff.get(reverse("clinic:client-detail", args=[jo.public_id])))
    assert "Portal access was removed." in page


def test_invitation_after_removal_reopens_the_same_login(client, login, therapist, jo, invite):
    login(therapist)
    client.post(reverse("clinic:client-portal-revoke", args=[jo.public_id]))
    invite(jo)
    path = invitation_path(mail.outbox[0])
    client.post(reverse("clinic:logout"))

    set_password(client, path)

    user = User.objects.get(pk=jo.user_id)
    assert (user.is_active, user.check_password(NEW_PASSWORD)) == (True, True)
    assert User.objects.filter(email=jo.email).count() == 1
    event = AuditEvent.objects.get(action="portal.invitation_accepted")
    assert event.changes == {"reopened": True}


def test_removing_access_twice_says_there_is_nothing_to_remove(client, login, therapist, invitee):
    login(therapist)

    response = client.post(reverse("clinic:client-portal-revoke", args=[invitee.public_id]))

    assert str(logins.NOTHING_TO_REMOVE) in page_text(client.get(response["Location"]))
    assert not AuditEvent.objects.filter(action="portal.revoke").exists()


# ---- Logging in -----------------------------------------------------------------------


def test_login_reaches_home_and_is_audited_with_the_practice(client, jo):
    response = client.post(LOGIN, {"email": jo.email.upper(), "password": TEST_PASSWORD})

    assert (response.status_code, response["Location"]) == (302, HOME)
    assert client.get(HOME).status_code == 200
    event = AuditEvent.objects.get(action="portal.login.password")
    assert (event.actor, event.actor_role, event.practice) == (jo.user, "client", jo.practice)


def test_login_page_names_the_practice_and_the_crisis_lines(client, jo):
    response = client.get(f"{LOGIN}?practice=northgate")

    text = page_text(response)
    assert "Your appointments and questionnaires at Northgate Therapies." in text
    assert (
        "This portal is not watched around the clock. If you are in danger now, call 999." in text
    )
    assert "Samaritans are there day and night on 116 123 (free)." in text


def test_login_wrong_password_is_refused(client, jo):
    response = client.post(LOGIN, {"email": jo.email, "password": "not the password"})

    assert response.status_code == 400
    assert "The email address or password is not correct." in page_text(response)
    assert "_auth_user_id" not in client.session
    assert LoginFailure.objects.filter(username=jo.email).count() == 1


def test_login_is_throttled_like_staff_logins(client, jo, settings):
    for _ in range(settings.LOGIN_THROTTLE_PER_ACCOUNT):
        client.post(LOGIN, {"email": jo.email, "password": "not the password"})

    response = client.post(LOGIN, {"email": jo.email, "password": TEST_PASSWORD})

    assert response.status_code == 429
    assert "Too many failed attempts." in page_text(response)
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.login_throttled").count() == 1


def test_staff_cannot_log_in_to_the_portal(client, therapist):
    response = client.post(LOGIN, {"email": therapist.user.email, "password": TEST_PASSWORD})

    assert response.status_code == 400
    assert "This login is for the clients of a practice." in page_text(response)
    assert "_auth_user_id" not in client.session


def test_logout_is_post_only_and_audited(client, jo):
    client.force_login(jo.user)

    assert client.get(reverse("portal:logout")).status_code == 405
    response = client.post(reverse("portal:logout"))

    assert (response.status_code, response["Location"]) == (302, f"{LOGIN}?practice=northgate")
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(action="portal.logout")
    assert (event.actor, event.practice) == (jo.user, jo.practice)


# ---- The optional second factor -------------------------------------------------------


def test_second_factor_is_optional_then_required_once_set_up(client, jo):
    client.post(LOGIN, {"email": jo.email, "password": TEST_PASSWORD})
    assert "Add a code from an authenticator app (optional)" in page_text(client.get(HOME))
    setup = client.get(SETUP)
    assert setup.status_code == 200
    assert "<svg" in setup.content.decode()
    assert not TOTPDevice.objects.exists()  # nothing stored until the app proves itself
    key = client.session[SETUP_KEY]
    code = code_for(TOTPDevice(user=jo.user, key=key))

    enrolled = client.post(SETUP, {"token": code})

    assert (enrolled.status_code, enrolled["Location"]) == (302, HOME)
    device = TOTPDevice.objects.get(user=jo.user)
    assert device.confirmed is True
    event = AuditEvent.objects.get(action="portal.second_factor_enabled")
    assert (event.actor, event.practice) == (jo.user, jo.practice)
    client.post(reverse("portal:logout"))

    password_only = client.post(LOGIN, {"email": jo.email, "password": TEST_PASSWORD})
    assert password_only["Location"] == f"{VERIFY}?next=%2Fportal%2F"
    blocked = client.get(HOME)
    assert blocked["Location"] == f"{VERIFY}?next=%2Fportal%2F"
    # The enrolment code cannot be replayed.
    replayed = client.post(VERIFY, {"token": code})
    assert replayed.status_code == 400
    assert AuditEvent.objects.filter(action="portal.otp_failed", actor=jo.user).count() == 1

    with time_machine.travel(NOW + dt.timedelta(seconds=30), tick=False):
        verified = client.post(VERIFY, {"token": code_for(device), "next": HOME})
        assert (verified.status_code, verified["Location"]) == (302, HOME)
        home = client.get(HOME)
    assert home.status_code == 200
    assert "Logging in asks for your password and a code from your authenticator app." in (
        page_text(home)
    )
    assert AuditEvent.objects.filter(action="portal.login.otp").count() == 1


def test_second_factor_setup_with_a_wrong_code_stores_nothing(client, jo):
    client.force_login(jo.user)
    client.get(SETUP)
    key = client.session[SETUP_KEY]
    wrong = f"{(int(code_for(TOTPDevice(user=jo.user, key=key))) + 1) % 1_000_000:06d}"

    response = client.post(SETUP, {"token": wrong})

    assert response.status_code == 400
    assert "That code is not right. Check the time on your phone." in page_text(response)
    assert not TOTPDevice.objects.exists()
    assert not AuditEvent.objects.exists()


def test_verify_page_sends_a_client_without_an_app_on(client, jo):
    client.force_login(jo.user)

    response = client.get(f"{VERIFY}?next=/portal/")

    assert (response.status_code, response["Location"]) == (302, HOME)


# ---- Who reaches what -----------------------------------------------------------------


def _client_url(name, jo):
    """The page's URL; one about an object names one of jo's (or a made-up id elsewhere)."""
    if CLIENT_OBJECT_ROUTES.get(name) == "decision_letter":
        course = jo.courses.first() or CourseFactory(client=jo, state="assessment")
        return reverse(name, args=[DecisionLetterFactory(course=course).public_id])
    if CLIENT_OBJECT_ROUTES.get(name) == "offer":
        course = jo.courses.first() or CourseFactory(client=jo, state="assessment")
        return reverse(name, args=[OfferFactory(entry__course=course).public_id])
    if CLIENT_OBJECT_ROUTES.get(name) == "ipaf_version":
        course = jo.courses.first() or CourseFactory(client=jo, state="active")
        version = IpafVersionFactory(course=course, shared_at=timezone.now())
        return reverse(name, args=[version.public_id])
    if name in CLIENT_OBJECT_ROUTES:
        course = jo.courses.first() or CourseFactory(client=jo, state="active")
        appointment = AppointmentFactory(course=course, starts_at=NOW + dt.timedelta(hours=3))
        return reverse(name, args=[appointment.public_id])
    try:
        return reverse(name)
    except NoReverseMatch:
        return reverse(name, args=[uuid.uuid4()])


def _request(client, name, url):
    return client.post(url) if name in routes.POST_ONLY else client.get(url)


# Each test below checks one rule over a family of routes, each route in its own
# savepoint (tests/matrix.py): what a request or a case's objects write is gone before
# the next case, and every failing route is named.


def test_portal_page_redirects_anonymous_to_the_portal_login(jo):
    cases = Cases()
    for name in CLIENT_ROUTES:
        with cases.case(route=name, principal="anonymous"):
            url = _client_url(name, jo)

            response = _request(client_with(), name, url)

            assert response.status_code == 302
            assert response["Location"] == f"{LOGIN}?{urlencode({'next': url})}"
    cases.check(len(CLIENT_ROUTES))


def test_portal_page_is_not_found_for_staff(therapist, jo):
    session = session_for(therapist.user)
    cases = Cases()
    for name in CLIENT_ROUTES:
        with cases.case(route=name, principal="therapist"):
            url = _client_url(name, jo)

            assert _request(client_with(session), name, url).status_code == 404
    cases.check(len(CLIENT_ROUTES))


def test_another_clients_object_is_not_found(therapist, jo):
    session = session_for(jo.user, second_factor=False)  # as `force_login`
    cases = Cases()
    for name in sorted(CLIENT_OBJECT_ROUTES):
        with cases.case(route=name, principal="client", object=CLIENT_OBJECT_ROUTES[name]):
            other = PortalClientFactory(practice=therapist.practice, therapist=therapist)
            url = _client_url(name, other)

            response = client_with(session).get(url)

            assert response.status_code == 404, url
            event = AuditEvent.objects.get(action="access.denied")
            assert (event.actor, event.actor_role, event.practice, event.object_id) == (
                jo.user,
                "client",
                jo.practice,
                url.split("/")[3],
            )
    cases.check(len(CLIENT_OBJECT_ROUTES))


def test_client_gets_404_for_every_staff_page(therapist, jo):
    session = session_for(jo.user)  # a client with their app, so the second factor is no excuse
    # One object of each kind the staff pages address, the therapist's; each case's
    # request is undone with its savepoint, so every case sees them as built.
    kinds = sorted(
        {routes.OBJECT_ROUTES[name] for name in STAFF_PAGES if name in routes.OBJECT_ROUTES}
    )
    built = {kind: objects.build(kind, therapist) for kind in kinds}
    cases = Cases()
    for name in STAFF_PAGES:
        kind = routes.OBJECT_ROUTES.get(name)
        with cases.case(route=name, principal="client", object=kind):
            url = reverse(name, args=[built[kind].public_id]) if kind else reverse(name)

            response = _request(client_with(session), name, url)

            assert response.status_code == 404, url
    cases.check(len(STAFF_PAGES))


def test_closed_record_ends_portal_use(client, jo):
    client.force_login(jo.user)
    jo.status = "closed"
    jo.save(update_fields=["status"])

    assert client.get(HOME).status_code == 404


def test_login_with_a_closed_record_says_access_has_ended(client, jo):
    jo.status = "closed"
    jo.save(update_fields=["status"])

    response = client.post(LOGIN, {"email": jo.email, "password": TEST_PASSWORD})

    assert response.status_code == 400
    assert "Your portal access has ended because your record at the practice is closed." in (
        page_text(response)
    )
    assert "_auth_user_id" not in client.session
