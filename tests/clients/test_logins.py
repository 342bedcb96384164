"""The client's portal login: invitations, their links, acceptance, removal, second factor."""

import datetime as dt
import re
import uuid

import pytest
from django.contrib.auth import authenticate
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.urls import resolve
from django_otp.oath import TOTP

from patternwork.accounts import tokens
from patternwork.accounts.models import TOTPDevice, User
from patternwork.audit.models import AuditEvent
from patternwork.clients import logins
from patternwork.clients.models import Client
from tests.accounts.writes import audit_text, counts, service_writes
from tests.factories import TEST_PASSWORD, TOTPDeviceFactory, UserFactory

pytestmark = pytest.mark.usefixtures("frozen")

NOW = dt.datetime(2026, 4, 1, 11, 0, tzinfo=dt.UTC)
BASE = "https://portal.example.test"
NEW_PASSWORD = "a calm walk by the river"
KEY = "3132333435363738393031323334353637383930"


def stored(client: Client) -> Client:
    return Client.objects.select_related("user").get(pk=client.pk)


def invite(client: Client, by) -> str:
    """Invite the client and return the token of the link the invitation carries."""
    logins.invite_client(client=client, by=by)
    return logins.make_invitation_token(stored(client))


def refusal(token: str) -> tuple:
    with pytest.raises(logins.InvalidInvitation) as refused:
        logins.client_for_invitation_token(token)
    return refused.value.reason, refused.value.practice


def code_for(key: str) -> str:
    device = TOTPDevice(key=key)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


# ---- invite_client --------------------------------------------------------------------


def test_invite_client_stamps_the_invitation_audits_and_emails_the_link_after_commit(
    settings, therapist, robin, django_capture_on_commit_callbacks
):
    settings.PATTERNWORK_BASE_URL = BASE

    with (
        service_writes() as written,
        django_capture_on_commit_callbacks(execute=False) as after_commit,
    ):
        invited = logins.invite_client(client=robin, by=therapist)
    outbox_before_commit = list(mail.outbox)
    for callback in after_commit:
        callback()

    assert invited.portal_invited_at == NOW
    assert stored(robin).portal_invited_at == NOW
    assert written.inside == {"clients_client", "audit_auditevent", "messaging_message"}
    assert written.outside == set()
    event = AuditEvent.objects.get()
    assert (
        event.action,
        event.actor,
        event.actor_role,
        event.practice,
        event.object_type,
        event.object_id,
        event.changes,
    ) == (
        "portal.invite",
        therapist.user,
        "therapist",
        therapist.practice,
        "clients.client",
        str(robin.public_id),
        {"invited_again": False},
    )
    assert not any(text in audit_text() for text in ("Robin", "robin.example"))
    assert outbox_before_commit == []
    [message] = mail.outbox
    assert message.to == ["robin.example@example.test"]
    assert message.subject == "Your client portal at Northgate Therapies"
    assert message.body.startswith(
        "Hello Rob,\n\nDr Ada Therapist at Northgate Therapies has invited you to your client "
        "portal."
    )
    assert f"log in at {BASE}/portal/login/?practice=northgate" in message.body
    link = re.search(rf"{re.escape(BASE)}(/portal/invitation/\S+/)", message.body).group(1)
    assert logins.client_for_invitation_token(resolve(link).kwargs["token"]) == robin


def test_inviting_again_replaces_the_earlier_link(frozen, therapist, robin):
    first = invite(robin, therapist)
    frozen.shift(dt.timedelta(minutes=5))

    second = invite(robin, therapist)

    assert refusal(first) == ("replaced", therapist.practice)
    assert logins.client_for_invitation_token(second) == robin
    assert list(
        AuditEvent.objects.order_by("id").values_list("action", "changes__invited_again")
    ) == [("portal.invite", False), ("portal.invite", True)]


def close_record(client):
    client.status = Client.Status.CLOSED


def drop_email(client):
    client.email = ""


def withhold_consent(client):
    client.contact_by_email = False


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (close_record, logins.RECORD_CLOSED),
        (drop_email, logins.NO_EMAIL),
        (withhold_consent, logins.NO_EMAIL_CONSENT),
    ],
    ids=["record closed", "no email", "no consent to email"],
)
def test_invite_client_refuses_and_writes_nothing(
    therapist, robin, django_capture_on_commit_callbacks, change, message
):
    change(robin)
    robin.save()
    before = counts(Client, User)

    with (
        pytest.raises(ValidationError) as refused,
        django_capture_on_commit_callbacks() as after_commit,
    ):
        logins.invite_client(client=robin, by=therapist)

    assert refused.value.messages == [str(message)]
    assert stored(robin).portal_invited_at is None
    assert counts(Client, User) == before
    assert after_commit == []


def test_invite_client_refuses_an_address_another_account_uses(
    therapist, robin, django_capture_on_commit_callbacks
):
    UserFactory(email="robin.example@example.test")
    before = counts(Client, User)

    with (
        pytest.raises(ValidationError) as refused,
        django_capture_on_commit_callbacks() as after_commit,
    ):
        logins.invite_client(client=robin, by=therapist)

    assert refused.value.messages == [logins.EMAIL_TAKEN.format(email="robin.example@example.test")]
    assert stored(robin).portal_invited_at is None
    assert counts(Client, User) == before
    assert after_commit == []


def test_invite_client_refuses_a_client_whose_access_is_active(
    therapist, jo, django_capture_on_commit_callbacks
):
    invited_at = jo.portal_invited_at
    before = counts(Client, User)

    with (
        pytest.raises(ValidationError) as refused,
        django_capture_on_commit_callbacks() as after_commit,
    ):
        logins.invite_client(client=jo, by=therapist)

    assert refused.value.messages == [str(logins.ALREADY_ACTIVE)]
    assert stored(jo).portal_invited_at == invited_at
    assert counts(Client, User) == before
    assert after_commit == []


def test_invite_client_after_removal_may_reuse_the_clients_own_address(therapist, jo):
    logins.revoke_portal_access(client=jo, by=therapist)

    invited = logins.invite_client(client=jo, by=therapist)

    assert invited.portal_invited_at == NOW


# ---- client_for_invitation_token ------------------------------------------------------


@pytest.mark.parametrize(
    "make_token",
    [
        lambda client, practice: "not-a-real-token",
        lambda client, practice: tokens.make_invitation_token(practice.memberships.first().user),
        lambda client, practice: signing.dumps(["c", "i"], salt=logins.INVITATION_SALT),
    ],
    ids=["forged", "a staff invitation", "signed but not an invitation"],
)
def test_a_link_that_is_not_a_client_invitation_is_invalid(therapist, robin, make_token):
    invite(robin, therapist)

    assert refusal(make_token(robin, therapist.practice)) == ("invalid", None)


def test_invitation_link_works_for_72_hours_then_names_its_practice(frozen, therapist, robin):
    token = invite(robin, therapist)

    frozen.move_to(NOW + logins.CLIENT_INVITATION_TIMEOUT)
    still_good = logins.client_for_invitation_token(token)
    frozen.move_to(NOW + logins.CLIENT_INVITATION_TIMEOUT + dt.timedelta(seconds=1))

    assert still_good == robin
    assert refusal(token) == ("expired", therapist.practice)


def test_invitation_link_is_used_up_once_accepted(therapist, robin):
    token = invite(robin, therapist)

    logins.accept_client_invitation(token=token, password=NEW_PASSWORD)

    assert refusal(token) == ("used", therapist.practice)


def test_invitation_link_dies_when_the_clients_address_changes(therapist, robin):
    token = invite(robin, therapist)

    Client.objects.filter(pk=robin.pk).update(email="robin.new@example.test")

    assert refusal(token) == ("used", therapist.practice)


def test_invitation_link_is_withdrawn_with_the_invitation(therapist, robin):
    token = invite(robin, therapist)

    logins.revoke_portal_access(client=robin, by=therapist)

    assert refusal(token) == ("withdrawn", therapist.practice)


def test_invitation_link_of_a_closed_record_is_withdrawn_without_naming_the_practice(
    therapist, robin
):
    token = invite(robin, therapist)

    Client.objects.filter(pk=robin.pk).update(status=Client.Status.CLOSED)

    assert refusal(token) == ("withdrawn", None)


def test_invitation_link_naming_no_known_client_is_withdrawn(db):
    token = signing.dumps(
        {"c": str(uuid.uuid4()), "i": NOW.isoformat(), "s": "0"}, salt=logins.INVITATION_SALT
    )

    assert refusal(token) == ("withdrawn", None)


# ---- accept_client_invitation ---------------------------------------------------------


def test_accept_client_invitation_creates_the_login_and_audits_without_the_password(
    therapist, robin
):
    token = invite(robin, therapist)

    with service_writes() as written:
        user = logins.accept_client_invitation(token=token, password=NEW_PASSWORD)

    saved = stored(robin)
    assert saved.user == user
    assert (user.email, user.full_name, user.is_active, user.date_joined) == (
        "robin.example@example.test",
        "Robin Example",
        True,
        NOW,
    )
    assert authenticate(None, username=user.email, password=NEW_PASSWORD) == user
    assert user.memberships.count() == 0
    assert written.inside == {"accounts_user", "clients_client", "audit_auditevent"}
    assert written.outside == set()
    event = AuditEvent.objects.get(action="portal.invitation_accepted")
    assert (
        event.actor,
        event.actor_role,
        event.practice,
        event.object_type,
        event.object_id,
        event.changes,
    ) == (
        user,
        "client",
        therapist.practice,
        "clients.client",
        str(robin.public_id),
        {"reopened": False},
    )
    assert NEW_PASSWORD not in audit_text()
    assert user.password not in audit_text()


def test_accept_client_invitation_refuses_an_address_taken_meanwhile_and_keeps_the_link(
    therapist, robin
):
    token = invite(robin, therapist)
    UserFactory(email="robin.example@example.test")
    before = counts(Client, User)

    with pytest.raises(ValidationError) as refused:
        logins.accept_client_invitation(token=token, password=NEW_PASSWORD)

    assert refused.value.messages == [str(logins.EMAIL_TAKEN_FOR_CLIENT)]
    assert stored(robin).user is None
    assert counts(Client, User) == before
    assert logins.client_for_invitation_token(token) == robin


def test_accept_client_invitation_with_a_dead_link_writes_nothing(frozen, therapist, robin):
    token = invite(robin, therapist)
    frozen.shift(logins.CLIENT_INVITATION_TIMEOUT + dt.timedelta(minutes=1))
    before = counts(Client, User)

    with pytest.raises(logins.InvalidInvitation) as refused:
        logins.accept_client_invitation(token=token, password=NEW_PASSWORD)

    assert refused.value.reason == "expired"
    assert stored(robin).user is None
    assert counts(Client, User) == before


def test_accepting_after_removal_reopens_the_same_login_with_the_new_password(
    frozen, therapist, jo
):
    login_before = jo.user
    TOTPDeviceFactory(user=login_before)
    logins.revoke_portal_access(client=jo, by=therapist)
    frozen.shift(dt.timedelta(days=7))
    token = invite(jo, therapist)

    user = logins.accept_client_invitation(token=token, password=NEW_PASSWORD)

    assert user.pk == login_before.pk
    assert (user.is_active, user.date_joined) == (True, NOW + dt.timedelta(days=7))
    assert (user.check_password(NEW_PASSWORD), user.check_password(TEST_PASSWORD)) == (
        True,
        False,
    )
    assert User.objects.filter(email=jo.email).count() == 1
    # Its old authenticator app went with the removal: the client sets up afresh.
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert AuditEvent.objects.get(action="portal.invitation_accepted").changes == {"reopened": True}


# ---- revoke_portal_access -------------------------------------------------------------


@pytest.mark.parametrize("has_app", [True, False])
def test_revoke_portal_access_ends_the_login_and_its_second_factor(therapist, jo, has_app):
    if has_app:
        TOTPDeviceFactory(user=jo.user)

    with service_writes() as written:
        revoked = logins.revoke_portal_access(client=jo, by=therapist)

    user = User.objects.get(pk=jo.user_id)
    assert (revoked.portal_invited_at, stored(jo).portal_invited_at) == (None, None)
    assert user.is_active is False
    assert authenticate(None, username=user.email, password=TEST_PASSWORD) is None
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert written.outside == set()
    assert {"accounts_user", "clients_client", "audit_auditevent"} <= written.inside
    event = AuditEvent.objects.get()
    assert (
        event.action,
        event.actor,
        event.actor_role,
        event.practice,
        event.object_id,
        event.changes,
    ) == (
        "portal.revoke",
        therapist.user,
        "therapist",
        therapist.practice,
        str(jo.public_id),
        {"access": ["active", "removed"], "second_factor_removed": has_app},
    )


def test_revoke_portal_access_withdraws_an_invitation_not_yet_used(therapist, robin):
    invite(robin, therapist)

    logins.revoke_portal_access(client=robin, by=therapist)

    assert stored(robin).portal_invited_at is None
    assert AuditEvent.objects.get(action="portal.revoke").changes == {
        "invitation": ["open", "withdrawn"]
    }


def test_revoke_portal_access_with_nothing_to_remove_writes_nothing(therapist, robin):
    before = counts(Client, User, TOTPDevice)

    with pytest.raises(ValidationError) as refused:
        logins.revoke_portal_access(client=robin, by=therapist)

    assert refused.value.messages == [str(logins.NOTHING_TO_REMOVE)]
    assert counts(Client, User, TOTPDevice) == before


# ---- invitation_expires_at ------------------------------------------------------------


def test_invitation_expires_72_hours_after_it_was_sent(therapist, robin):
    assert logins.invitation_expires_at(robin) is None

    invite(robin, therapist)

    assert logins.invitation_expires_at(stored(robin)) == NOW + dt.timedelta(hours=72)


# ---- enable_second_factor -------------------------------------------------------------


def test_enable_second_factor_stores_the_clients_app_and_audits_it_with_the_practice(jo):
    with service_writes() as written:
        device = logins.enable_second_factor(client=jo, key=KEY, token=code_for(KEY))

    assert TOTPDevice.objects.get() == device
    assert (device.user, device.key, device.confirmed) == (jo.user, KEY, True)
    assert "audit_auditevent" in written.inside
    assert written.outside == set()
    event = AuditEvent.objects.get()
    assert (
        event.action,
        event.actor,
        event.actor_role,
        event.practice,
        event.object_type,
        event.object_id,
    ) == (
        "portal.second_factor_enabled",
        jo.user,
        "client",
        jo.practice,
        "accounts.totpdevice",
        str(device.pk),
    )
    assert KEY not in audit_text()


def test_enable_second_factor_with_a_wrong_code_stores_nothing(jo):
    wrong = f"{(int(code_for(KEY)) + 1) % 1_000_000:06d}"
    before = counts(TOTPDevice)

    device = logins.enable_second_factor(client=jo, key=KEY, token=wrong)

    assert device is None
    assert counts(TOTPDevice) == before
