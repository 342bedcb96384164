"""Logging in, the same way for staff and clients: a password under the throttle, then a
code from an authenticator app (required of staff, optional for clients).

The interfaces decide who may use which login (staff at the clinic, clients at the
portal) and where to send them next; everything else is here. Each kind of login audits
under its own prefix through a `LoginAudit`: "auth" for staff, "portal" for clients.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.util import random_hex

from patternwork.accounts import throttle
from patternwork.accounts.middleware import SESSION_IDLE_MINUTES, SESSION_LAST_SEEN, SESSION_STARTED
from patternwork.accounts.models import Membership, Practice, TOTPDevice, User, normalise_email
from patternwork.accounts.practices import practice_of, practice_of_email
from patternwork.audit.models import AuditEvent
from patternwork.audit.services import record
from patternwork.core import context

LOGIN_FAILED = "The email address or password is not correct."
LOGIN_THROTTLED = (
    "Too many failed attempts. For your security, logging in is paused; try again after "
    "{until} (UTC), or reset your password."
)
TOO_MANY_CODES = _("Too many wrong codes. Wait a few seconds and try again.")
WRONG_CODE = _("That code is not right, or it has already been used.")
WRONG_SETUP_CODE = _("That code is not right. Check the time on your phone.")

DEVICE_NAME = "Authenticator app"
# The key being set up lives in the session only: nothing is stored until the app proves
# that it holds the key, so an abandoned setup leaves nothing behind.
SETUP_KEY = "patternwork_otp_setup_key"


class LoginRefused(Exception):
    def __init__(self, message: str, *, throttled: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.throttled = throttled


@dataclass(frozen=True)
class LoginAudit:
    """How one kind of login is audited: its action prefix, and the role and practice."""

    prefix: str
    actor_role: str = ""
    practice: Practice | None = None

    def record(self, user: User, event: str, **fields) -> AuditEvent:
        return record(
            action=f"{self.prefix}.{event}",
            actor=user,
            actor_role=self.actor_role,
            practice=self.practice,
            **fields,
        )

    def login_step(self, user: User, step: str) -> AuditEvent:
        """A completed step: "password", "otp", or "otp_enrolled" (set up while logging in)."""
        return self.record(user, f"login.{step}")

    def otp_failed(self, user: User) -> AuditEvent:
        return self.record(user, "otp_failed", outcome=AuditEvent.Outcome.FAILURE)


def staff_audit(user: User) -> LoginAudit:
    """A staff member's login events, with their first active practice role (or, for an
    account without one, the practice its events concern)."""
    first = Membership.objects.filter(user=user, is_active=True).select_related("practice").first()
    if first is None:
        return LoginAudit("auth", "", practice_of(user))
    return LoginAudit("auth", first.role, first.practice)


# ---- The password ---------------------------------------------------------------------


def authenticate_password(*, request, email: str, password: str) -> User:
    """Check a password under the throttle; audit success and failure alike."""
    address = context.current().remote_addr
    lock = throttle.check(email, address)
    if lock.locked:
        record(
            action="auth.login_throttled",
            actor_label=normalise_email(email)[:254],
            practice=practice_of_email(email),
            outcome=AuditEvent.Outcome.DENIED,
        )
        raise LoginRefused(LOGIN_THROTTLED.format(until=f"{lock.until:%H:%M}"), throttled=True)
    user = authenticate(request, username=normalise_email(email), password=password)
    if user is None:
        with transaction.atomic():
            throttle.note_failure(email, address)
            # The practice of the account the address names; an unknown address is an
            # instance-level event (the operator's instance audit page).
            record(
                action="auth.login_failed",
                actor_label=normalise_email(email)[:254],
                practice=practice_of_email(email),
                outcome=AuditEvent.Outcome.FAILURE,
            )
        raise LoginRefused(LOGIN_FAILED)
    throttle.clear_account(email)
    return user


def start_session(request, user: User, *, audit: LoginAudit) -> None:
    """Log the user in after the password step; the absolute session limit starts now."""
    login(request, user)
    request.session[SESSION_STARTED] = timezone.now().isoformat()
    request.session[SESSION_LAST_SEEN] = request.session[SESSION_STARTED]
    if audit.practice is not None:
        request.session[SESSION_IDLE_MINUTES] = audit.practice.idle_timeout_minutes
    audit.login_step(user, "password")


def end_session(request, *, audit: LoginAudit | None) -> None:
    if audit is not None and request.user.is_authenticated:
        audit.record(request.user, "logout")
    logout(request)


# ---- The second factor ----------------------------------------------------------------


def verify_second_factor(*, request, device: TOTPDevice, token: str, audit: LoginAudit) -> None:
    """Check a code from the user's app and complete the login; LoginRefused if refused.

    A code is good once (django-otp keeps the last time step used), and wrong codes make
    the device wait longer and longer before it checks another.
    """
    allowed, _details = device.verify_is_allowed()
    if not allowed:
        raise LoginRefused(TOO_MANY_CODES, throttled=True)
    with transaction.atomic():
        verified = device.verify_token(token)
        if not verified:
            audit.otp_failed(device.user)
    if not verified:
        raise LoginRefused(WRONG_CODE)
    complete_second_factor(request, device)
    audit.login_step(device.user, "otp")


def complete_second_factor(request, device: TOTPDevice) -> None:
    """Mark the session verified with this device, under a new session id."""
    otp_login(request, device)
    request.session.pop(SETUP_KEY, None)
    # A new session id once fully logged in: a fixated pre-login id is worthless.
    request.session.cycle_key()


def setup_key(session) -> str:
    """The key the user is setting up: the same one on every view of the setup page."""
    key = session.get(SETUP_KEY) or random_hex(20)
    session[SETUP_KEY] = key
    return key


def setup_device(user: User, key: str) -> TOTPDevice:
    """The device being set up, unsaved: for its QR code and its secret."""
    return TOTPDevice(user=user, name=DEVICE_NAME, key=key, confirmed=True)


def _time_step(device: TOTPDevice, token: str) -> int | None:
    """The time step the code belongs to (within the configured drift), or None."""
    if not token.isdigit():
        return None
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = timezone.now().timestamp()
    tolerance = getattr(settings, "OTP_TOTP_TOLERANCE", 1)
    for offset in range(-tolerance, tolerance + 1):
        totp.drift = device.drift + offset
        if totp.token() == int(token):
            return totp.t()
    return None


def enable_second_factor(
    *, user: User, key: str, token: str, audit: LoginAudit
) -> TOTPDevice | None:
    """Store the user's authenticator app once one code proves it holds the key.

    Returns None, storing nothing, when the code is wrong. The device replaces any other
    the user had, the code it was confirmed with cannot be used again, and
    "<prefix>.second_factor_enabled" is audited in the same transaction.
    """
    device = setup_device(user, key)
    step = _time_step(device, token)
    if step is None:
        return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        device.last_t = step
        device.full_clean()
        device.save()
        audit.record(
            user,
            "second_factor_enabled",
            object_type="accounts.totpdevice",
            object_id=str(device.pk),
        )
    return device
