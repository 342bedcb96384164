"""Passkeys (WebAuthn) for staff: add one, log in with it as the second step, remove it.

A passkey is a second factor beside the authenticator app. Each ceremony has two
halves: the server issues a challenge (kept in the session, never sent back by the
browser as state), the authenticator signs it, and the server checks the answer. A
challenge is good for one answer and for CHALLENGE_LIFETIME; it is taken out of the
session before the answer is checked, so a replayed answer finds none.

The relying party (the RP ID and the origin an answer must come from) is the configured
PATTERNWORK_BASE_URL, never the request's Host header, which a client can forge.

Every write (adding, using, removing) and every refused answer is audited through the
login's `LoginAudit`, in the same transaction as the write.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from patternwork.accounts.login import LoginAudit, complete_second_factor
from patternwork.accounts.models import Membership, Passkey, TOTPDevice, User
from patternwork.audit.models import AuditEvent

CHALLENGE_SESSION_KEY = "patternwork_passkey_challenge"
CHALLENGE_LIFETIME = timedelta(minutes=5)
REGISTER = "register"
LOGIN = "login"
RP_NAME = "Patternwork"
DEFAULT_NAME = _("Passkey")

NO_CHALLENGE = _(
    "There is no passkey request waiting, or it has expired (they last five minutes). Try again."
)
NOT_SENT = _(
    "Your browser sent no passkey. Adding a passkey and logging in with one need "
    "JavaScript and a browser that supports passkeys."
)
NOT_ACCEPTED = _("That passkey could not be checked. Try again, or use another passkey.")
NOT_YOURS = _("That passkey is not one of yours here.")
COUNTER_BACKWARDS = _(
    "That passkey's signature counter went backwards, a sign that it may have been "
    "copied, so it was not accepted. If it is yours, remove it and add it again."
)
ALREADY_ADDED = _("That passkey is already added.")
LAST_REQUIRED_PASSKEY = _(
    "Your practice requires admins to log in with a passkey: add another passkey before "
    "you remove your last one."
)


class PasskeyRefused(Exception):
    def __init__(self, message) -> None:
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class RelyingParty:
    id: str
    origin: str


def relying_party() -> RelyingParty:
    """The RP ID (the host name) and the origin (scheme, host and port) of the instance."""
    parts = urlsplit(settings.PATTERNWORK_BASE_URL)
    return RelyingParty(id=parts.hostname or "", origin=f"{parts.scheme}://{parts.netloc}".lower())


# ---- Reads ------------------------------------------------------------------------------


def passkeys_of(user: User):
    return Passkey.objects.filter(user=user, confirmed=True).order_by("created_at", "id")


def has_passkey(user: User) -> bool:
    return passkeys_of(user).exists()


def has_second_factor(user: User) -> bool:
    """Whether the user has any second factor yet (app or passkey); the app is asked
    first, as most have one."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists() or has_passkey(user)


# The second step after the password (the interface maps each to its page).
PASSKEY, APP, ADD_PASSKEY, ADD_APP = "passkey", "app", "add-passkey", "add-app"


def second_step(user: User, membership: Membership | None) -> str:
    """What follows the password: a passkey where the user has one; else a code from the
    app where they have one (an admin required to use a passkey adds one after it); else
    setting up a first second factor, a passkey where the practice requires it."""
    if has_passkey(user):
        return PASSKEY
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return APP
    return ADD_PASSKEY if passkey_required(membership) else ADD_APP


def passkey_required(membership: Membership | None) -> bool:
    """Whether this membership must log in with a passkey (an admin, where the practice
    requires it). No query: the middleware loads the practice with the membership."""
    return (
        membership is not None
        and membership.is_admin
        and membership.practice.require_admin_passkeys
    )


def verified_with_passkey(user) -> bool:
    """Whether this request's session finished its second step with a passkey."""
    return isinstance(getattr(user, "otp_device", None), Passkey)


# ---- Challenges, kept in the session ------------------------------------------------------


def _issue(session, purpose: str, challenge: bytes) -> None:
    session[CHALLENGE_SESSION_KEY] = {
        "purpose": purpose,
        "challenge": bytes_to_base64url(challenge),
        "expires": (timezone.now() + CHALLENGE_LIFETIME).isoformat(),
    }


def _take(session, purpose: str) -> bytes:
    """The waiting challenge for this purpose, removed from the session (single use)."""
    waiting = session.pop(CHALLENGE_SESSION_KEY, None)
    if not isinstance(waiting, dict) or waiting.get("purpose") != purpose:
        raise PasskeyRefused(NO_CHALLENGE)
    try:
        expires = datetime.fromisoformat(waiting["expires"])
        challenge = base64url_to_bytes(waiting["challenge"])
    except (KeyError, TypeError, ValueError):
        raise PasskeyRefused(NO_CHALLENGE) from None
    if timezone.now() >= expires:
        raise PasskeyRefused(NO_CHALLENGE)
    return challenge


def _descriptors(passkeys) -> list[PublicKeyCredentialDescriptor]:
    descriptors = []
    for passkey in passkeys:
        transports = []
        for value in passkey.transports:
            try:
                transports.append(AuthenticatorTransport(value))
            except ValueError:
                continue
        descriptors.append(
            PublicKeyCredentialDescriptor(
                id=base64url_to_bytes(passkey.credential_id), transports=transports or None
            )
        )
    return descriptors


def _timeout_ms() -> int:
    return int(CHALLENGE_LIFETIME.total_seconds() * 1000)


# ---- Adding a passkey ---------------------------------------------------------------------


def registration_options(*, session, user: User) -> str:
    """Options for navigator.credentials.create(), as JSON; the challenge waits in the
    session. The user's own passkeys are excluded, so one authenticator is added once."""
    rp = relying_party()
    options = generate_registration_options(
        rp_id=rp.id,
        rp_name=RP_NAME,
        # The user handle is the account's public id: no email address on the authenticator
        # beyond the name shown when choosing a passkey.
        user_id=user.public_id.bytes,
        user_name=user.email,
        user_display_name=user.full_name or user.email,
        timeout=_timeout_ms(),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=_descriptors(passkeys_of(user)),
    )
    _issue(session, REGISTER, options.challenge)
    return options_to_json(options)


def _transports(credential: str) -> list[str]:
    try:
        listed = json.loads(credential).get("response", {}).get("transports", [])
    except (ValueError, AttributeError):
        return []
    known = {transport.value for transport in AuthenticatorTransport}
    return [value for value in listed if isinstance(value, str) and value in known][:6]


def add_passkey(*, session, user: User, name: str, credential: str, audit: LoginAudit) -> Passkey:
    """Check the authenticator's answer to the waiting registration challenge and store
    the passkey; audit "<prefix>.passkey_added" in the same transaction.

    Raises PasskeyRefused (audited as "<prefix>.passkey_refused") when there is no live
    challenge, or the answer is not for this challenge, origin and RP ID.
    """
    if not credential:
        session.pop(CHALLENGE_SESSION_KEY, None)
        raise PasskeyRefused(NOT_SENT)
    challenge = _take(session, REGISTER)
    rp = relying_party()
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError) as error:
        _refused(user, audit, "add", error)
        raise PasskeyRefused(NOT_ACCEPTED) from None
    passkey = Passkey(
        user=user,
        name=(name or "").strip()[:64] or str(DEFAULT_NAME),
        credential_id=bytes_to_base64url(verified.credential_id),
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        backed_up=verified.credential_backed_up,
        transports=_transports(credential),
    )
    try:
        with transaction.atomic():
            if Passkey.objects.filter(credential_id=passkey.credential_id).exists():
                raise PasskeyRefused(ALREADY_ADDED)
            passkey.full_clean(exclude=["public_key"])
            passkey.save()
            audit.record(user, "passkey_added", obj=passkey, changes={"name": passkey.name})
    except IntegrityError:
        # Added by a concurrent request between the check and the insert.
        raise PasskeyRefused(ALREADY_ADDED) from None
    return passkey


# ---- Logging in with a passkey -------------------------------------------------------------


def authentication_options(*, session, user: User) -> str:
    """Options for navigator.credentials.get() listing the user's passkeys, as JSON."""
    options = generate_authentication_options(
        rp_id=relying_party().id,
        timeout=_timeout_ms(),
        allow_credentials=_descriptors(passkeys_of(user)),
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    _issue(session, LOGIN, options.challenge)
    return options_to_json(options)


def _credential_id(credential: str) -> str:
    try:
        value = json.loads(credential).get("rawId") or ""
    except (ValueError, AttributeError):
        return ""
    return value if isinstance(value, str) else ""


def check_passkey(*, session, user: User, credential: str, audit: LoginAudit) -> Passkey:
    """Check an answer to the waiting login challenge with one of the user's passkeys.

    The signature must verify with the stored public key, for this challenge, origin and
    RP ID; the signature counter must move on (unless the authenticator keeps none, when
    both stay 0). On success the counter and last use are stored and
    "<prefix>.login.passkey" is audited in the same transaction; any refusal is audited
    as "<prefix>.passkey_refused".
    """
    if not credential:
        session.pop(CHALLENGE_SESSION_KEY, None)
        raise PasskeyRefused(NOT_SENT)
    challenge = _take(session, LOGIN)
    passkey = passkeys_of(user).filter(credential_id=_credential_id(credential)).first()
    if passkey is None:
        _refused(user, audit, "login", "not one of the user's passkeys")
        raise PasskeyRefused(NOT_YOURS)
    rp = relying_party()
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            credential_public_key=bytes(passkey.public_key),
            credential_current_sign_count=passkey.sign_count,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError) as error:
        counter = "sign count" in str(error).lower()
        _refused(user, audit, "login", "counter" if counter else error, passkey=passkey)
        raise PasskeyRefused(COUNTER_BACKWARDS if counter else NOT_ACCEPTED) from None
    with transaction.atomic():
        locked = Passkey.objects.select_for_update().get(pk=passkey.pk)
        new_count = verified.new_sign_count
        # Checked again under the lock: a concurrent login may have moved the counter on
        # since it was read.
        if (new_count or locked.sign_count) and new_count <= locked.sign_count:
            moved_on = True
        else:
            moved_on = False
            locked.sign_count = new_count
            locked.last_used_at = timezone.now()
            locked.save(update_fields=["sign_count", "last_used_at"])
            audit.record(user, "login.passkey", obj=locked)
    if moved_on:
        _refused(user, audit, "login", "counter", passkey=locked)
        raise PasskeyRefused(COUNTER_BACKWARDS)
    return locked


def log_in_with_passkey(*, request, credential: str, audit: LoginAudit) -> Passkey:
    """The second step of a staff login with a passkey: check it and mark the session
    verified with it, under a new session id."""
    passkey = check_passkey(
        session=request.session, user=request.user, credential=credential, audit=audit
    )
    complete_second_factor(request, passkey)
    return passkey


def _refused(user: User, audit: LoginAudit, step: str, reason, *, passkey=None) -> None:
    # The reason is the library's message about the answer (never key material), cut short.
    fields = {"changes": {"step": step, "reason": str(reason)[:200]}}
    if passkey is not None:
        fields["obj"] = passkey
    with transaction.atomic():
        audit.record(user, "passkey_refused", outcome=AuditEvent.Outcome.FAILURE, **fields)


# ---- Removing a passkey --------------------------------------------------------------------


def remove_passkey(
    *, passkey: Passkey, user: User, membership: Membership | None, audit: LoginAudit
) -> None:
    """Remove one of the user's own passkeys; audit "<prefix>.passkey_removed".

    An admin whose practice requires passkeys keeps at least one.
    """
    with transaction.atomic():
        locked = list(Passkey.objects.select_for_update().filter(user=user).order_by("pk"))
        target = next((p for p in locked if p.pk == passkey.pk), None)
        if target is None:
            raise ValidationError(NOT_YOURS)
        if passkey_required(membership) and len(locked) == 1:
            raise ValidationError(LAST_REQUIRED_PASSKEY)
        audit.record(user, "passkey_removed", obj=target, changes={"name": target.name})
        target.delete()
