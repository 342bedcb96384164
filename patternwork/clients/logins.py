"""The client's portal login: invitations, acceptance, removal, and the client's own reads.

A therapist (or an admin) invites a client by email. The link is signed, time-stamped and
valid for 72 hours, and bound to the state of the client's access (when they were last
invited, their email address, and the password hash of their login once one exists), so
it stops working the moment it has been used, when a newer invitation replaces it, or
when access is removed. Every write here audits in its own transaction.

Reads for the portal live here too: they are scoped to one client, never to a member.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from patternwork.accounts import login
from patternwork.accounts.models import Membership, Practice, TOTPDevice, User, normalise_email
from patternwork.audit.services import record
from patternwork.clients.models import Client
from patternwork.core import outbox
from patternwork.core.links import absolute_url
from patternwork.core.prepared import PreparedRead

CLIENT_INVITATION_TIMEOUT = timedelta(hours=72)
# A namespace for the signature (SECRET_KEY signs), not a secret itself; distinct from the
# staff invitation's, so a staff link can never pass for a client's or the other way round.
INVITATION_SALT = "patternwork.clients.logins-invitation"
CLIENT_ROLE = "client"

NO_EMAIL = gettext_lazy(
    "Add the client's email address to their details first: the invitation is sent by "
    "email, and that address becomes their portal login."
)
NO_EMAIL_CONSENT = gettext_lazy(
    "The client has not agreed to be contacted by email. Record their consent in their "
    "details before sending a portal invitation."
)
RECORD_CLOSED = gettext_lazy(
    "This client's record is closed, so they cannot be invited to the portal."
)
ALREADY_ACTIVE = gettext_lazy(
    "This client already has portal access. To send a new link, remove their access first."
)
EMAIL_TAKEN = gettext_lazy(
    "Another Patternwork account already uses {email}. Each client needs an email address "
    "of their own to log in to the portal: check the address in the client's details."
)
EMAIL_TAKEN_FOR_CLIENT = gettext_lazy(
    "This email address already belongs to another Patternwork account, so it cannot be "
    "your portal login. Please contact the practice."
)
NOTHING_TO_REMOVE = gettext_lazy(
    "This client has no portal access and no open invitation to remove."
)


class InvalidInvitation(Exception):
    """The link cannot be used. `reason` is one of REASONS; `practice` is the inviting
    practice where the link still names one (so its crisis information can be shown)."""

    REASONS = ("invalid", "expired", "used", "replaced", "withdrawn")

    def __init__(self, reason: str, practice: Practice | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.practice = practice


def _state(client: Client) -> str:
    """A digest of everything whose change must kill an outstanding link."""
    user = client.user
    parts = [
        str(client.pk),
        client.portal_invited_at.isoformat() if client.portal_invited_at else "",
        normalise_email(client.email),
        user.password if user else "",
        "active" if user and user.is_active else "",
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:20]


def make_invitation_token(client: Client) -> str:
    invited = client.portal_invited_at.isoformat() if client.portal_invited_at else ""
    payload = {"c": str(client.public_id), "i": invited, "s": _state(client)}
    return signing.dumps(payload, salt=INVITATION_SALT)


def client_for_invitation_token(token: str, *, lock: bool = False) -> Client:
    """The invited client, or InvalidInvitation saying why the link cannot be used."""
    try:
        payload = signing.loads(
            token, salt=INVITATION_SALT, max_age=CLIENT_INVITATION_TIMEOUT.total_seconds()
        )
    except signing.SignatureExpired:
        # Genuine but old: its practice is still worth naming on the refusal page.
        raise InvalidInvitation("expired", _practice_named_by(token)) from None
    except signing.BadSignature:
        raise InvalidInvitation("invalid") from None
    if not isinstance(payload, dict):
        raise InvalidInvitation("invalid")
    clients = Client.objects.select_related("practice", "user", "therapist__user")
    if lock:
        clients = clients.select_for_update(of=("self",))
    client = clients.filter(public_id=str(payload.get("c")), status=Client.Status.ACTIVE).first()
    if client is None:
        raise InvalidInvitation("withdrawn")
    if client.portal_invited_at is None:
        raise InvalidInvitation("withdrawn", client.practice)
    if payload.get("i") != client.portal_invited_at.isoformat():
        raise InvalidInvitation("replaced", client.practice)
    if payload.get("s") != _state(client):
        raise InvalidInvitation("used", client.practice)
    return client


def _practice_named_by(token: str) -> Practice | None:
    try:
        payload = signing.loads(token, salt=INVITATION_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict):
        return None
    client = Client.objects.select_related("practice").filter(public_id=str(payload.get("c")))
    found = client.first()
    return found.practice if found else None


def invitation_url(client: Client) -> str:
    return absolute_url(reverse("portal:invitation", args=[make_invitation_token(client)]))


def login_url(client: Client) -> str:
    return absolute_url(f"{reverse('portal:login')}?practice={client.practice.slug}")


def _check_invitable(client: Client) -> None:
    if client.status != Client.Status.ACTIVE:
        raise ValidationError(RECORD_CLOSED)
    email = normalise_email(client.email)
    if not email:
        raise ValidationError(NO_EMAIL)
    if not client.contact_by_email:
        raise ValidationError(NO_EMAIL_CONSENT)
    if client.user is not None and client.user.is_active:
        raise ValidationError(ALREADY_ACTIVE)
    if User.objects.filter(email=email).exclude(pk=client.user_id).exists():
        raise ValidationError(EMAIL_TAKEN.format(email=email))


def invite_client(*, client: Client, by: Membership) -> Client:
    """Email the client a one-time link, valid 72 hours, to set their portal password.

    Inviting again replaces the earlier link: the old one stops working at once.
    """
    with transaction.atomic():
        client = (
            Client.objects.select_for_update(of=("self",))
            .select_related("practice", "user", "therapist__user")
            .get(pk=client.pk)
        )
        _check_invitable(client)
        again = client.portal_invited_at is not None
        client.portal_invited_at = timezone.now()
        client.save(update_fields=["portal_invited_at", "updated_at"])
        record(
            action="portal.invite",
            actor=by.user,
            actor_role=by.role,
            practice=client.practice,
            obj=client,
            changes={"invited_again": again},
        )
        # Through the outbox: sent once this commits, retried if the mail server is down,
        # withdrawn if the client is invited again before it goes (its link would be dead).
        outbox.queue(
            kind="client_invitation",
            about=by,
            key=invitation_key(client),
            recipient_role="client",
            recipient_client=client,
            soon=True,
        )
    return client


def invitation_key(client: Client) -> str:
    """The outbox key of the client's current invitation: one message per invitation."""
    invited = client.portal_invited_at.isoformat() if client.portal_invited_at else ""
    return f"client_invitation:{client.public_id}:{invited}"


def invitation_email(client: Client, by: Membership) -> tuple[str, str, str]:
    """The portal invitation's subject, body and address, with its link made now (at send)."""
    practice = client.practice
    link = invitation_url(client)
    hours = int(CLIENT_INVITATION_TIMEOUT.total_seconds() // 3600)
    names = {"name": client.display_name, "practice": practice.name, "who": by.user.full_name}
    body = [
        _("Hello %(name)s,") % names,
        "",
        _(
            "%(who)s at %(practice)s has invited you to your client portal. There you can "
            "see your appointments, add them to your calendar, and fill in the short "
            "questionnaires before your sessions."
        )
        % names,
        "",
        _("Set your password within %(hours)s hours at this address (it works once):")
        % {"hours": hours},
        "",
        link,
        "",
        _("After that, log in at %(url)s") % {"url": login_url(client)},
        "",
        _(
            "If you were not expecting this email, you can ignore it; nothing happens "
            "until the link is used."
        ),
        "",
        _(
            "Messages and answers in the portal are not watched around the clock. If you "
            "need help now:"
        ),
        practice.crisis_information,
    ]
    return (
        _("Your client portal at %(practice)s") % names,
        "\n".join(body) + "\n",
        normalise_email(client.email),
    )


def accept_client_invitation(*, token: str, password: str) -> User:
    """Create (or re-open) the client's login with this password; the link then dies.

    Raises InvalidInvitation when the link cannot be used (also when another tab used it
    a moment ago), and ValidationError when the email address has meanwhile been taken.
    """
    with transaction.atomic():
        client = client_for_invitation_token(token, lock=True)
        email = normalise_email(client.email)
        user = client.user
        if User.objects.filter(email=email).exclude(pk=client.user_id).exists():
            raise ValidationError(EMAIL_TAKEN_FOR_CLIENT)
        reopened = user is not None
        if user is None:
            user = User(email=email, full_name=client.full_name)
        else:
            # A login whose access was removed: a new start, with a new password.
            user.email = email
            user.full_name = client.full_name
            user.is_active = True
            user.date_joined = timezone.now()
        user.set_password(password)
        user.full_clean()
        user.save()
        if client.user_id != user.pk:
            client.user = user
            client.save(update_fields=["user", "updated_at"])
        record(
            action="portal.invitation_accepted",
            actor=user,
            actor_role=CLIENT_ROLE,
            practice=client.practice,
            obj=client,
            changes={"reopened": reopened},
        )
    return user


def revoke_portal_access(*, client: Client, by: Membership) -> Client:
    """Remove the client's portal access, or withdraw an invitation not yet used.

    The login is deactivated, so its sessions die on their next request, and its second
    factor is removed: a later invitation starts afresh (a client who lost their phone is
    let back in this way). Any outstanding link stops working.
    """
    with transaction.atomic():
        client = (
            Client.objects.select_for_update(of=("self",))
            .select_related("practice", "user")
            .get(pk=client.pk)
        )
        user = client.user
        active = user is not None and user.is_active
        if not active and client.portal_invited_at is None:
            raise ValidationError(NOTHING_TO_REMOVE)
        changes: dict = {}
        if active:
            user.is_active = False
            user.save(update_fields=["is_active"])
            removed, _counts = TOTPDevice.objects.filter(user=user).delete()
            changes["access"] = ["active", "removed"]
            changes["second_factor_removed"] = bool(removed)
        if client.portal_invited_at is not None:
            client.portal_invited_at = None
            client.save(update_fields=["portal_invited_at", "updated_at"])
            if not active:
                changes["invitation"] = ["open", "withdrawn"]
        record(
            action="portal.revoke",
            actor=by.user,
            actor_role=by.role,
            practice=client.practice,
            obj=client,
            changes=changes,
        )
    return client


def invitation_expires_at(client: Client) -> datetime | None:
    if client.portal_invited_at is None:
        return None
    return client.portal_invited_at + CLIENT_INVITATION_TIMEOUT


# ---- Logging in: audited with the client's practice, so its admins see it -------------


def practice_of_client_login(user: User) -> Practice | None:
    """The practice of the client record a login belongs to (closed records included)."""
    found = _CLIENT_OF_LOGIN.rows(user.pk)
    return found[0].practice if found else None


# A login's client record with its practice (a login has at most one), read when a
# client's login is refused a staff page: its SQL made once per process (core.prepared).
_CLIENT_OF_LOGIN = PreparedRead(
    lambda user_id: Client.objects.filter(user_id=user_id).select_related("practice"), int
)


def portal_audit(client: Client) -> login.LoginAudit:
    """A client's login events: "portal.*", with their practice."""
    return login.LoginAudit("portal", CLIENT_ROLE, client.practice)


def enable_second_factor(*, client: Client, key: str, token: str) -> TOTPDevice | None:
    """Confirm the client's authenticator app from one code; None if the code is wrong.

    The accounts service that staff use too, audited as "portal.second_factor_enabled"
    with the client's practice.
    """
    return login.enable_second_factor(
        user=client.user, key=key, token=token, audit=portal_audit(client)
    )
