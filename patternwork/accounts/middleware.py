from contextlib import suppress
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.apps import apps
from django.conf import settings
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
    logout,
)
from django.contrib.auth import get_user as django_get_user
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject
from django_otp.middleware import OTPMiddleware
from django_otp.models import Device

from patternwork.accounts.models import DEFAULT_IDLE_TIMEOUT_MINUTES, Membership
from patternwork.core.prepared import PreparedRead, PreparedShapes

# The user's memberships with their practices, read on every request: its SQL is made
# once per process (core.prepared), not on every page.
MEMBERSHIPS = PreparedRead(
    lambda user_id: (
        Membership.objects.filter(user_id=user_id).select_related("practice").order_by("pk")
    ),
    int,
)

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
_model_backend = ModelBackend()

# The session's user by primary key, as ModelBackend.get_user reads it (the model's
# default manager, every column), its SQL made once per process (core.prepared).
USER_BY_PK = PreparedRead(lambda pk: get_user_model()._default_manager.filter(pk=pk), int)


def session_user(request):
    """The session's user, as `django.contrib.auth.get_user` finds it, or AnonymousUser.

    For a session logged in through ModelBackend (every session this app makes) the user
    row is read by a prepared read instead of `ModelBackend.get_user`'s query built anew;
    everything else is Django's own steps, unchanged: the backend must still be listed in
    AUTHENTICATION_BACKENDS, an inactive user is refused as ModelBackend refuses one, and
    the session's password hash is verified (a fallback secret's hash rotates the key, any
    other mismatch flushes the session). Any other backend goes through Django's function.
    """
    session = request.session
    try:
        raw_id = session[SESSION_KEY]
        backend_path = session[BACKEND_SESSION_KEY]
    except KeyError:
        return AnonymousUser()
    if backend_path != MODEL_BACKEND or backend_path not in settings.AUTHENTICATION_BACKENDS:
        return django_get_user(request)
    user_id = get_user_model()._meta.pk.to_python(raw_id)
    found = USER_BY_PK.rows(user_id)
    user = found[0] if found and _model_backend.user_can_authenticate(found[0]) else None
    if user is None:
        return AnonymousUser()
    session_hash = session.get(HASH_SESSION_KEY)
    session_auth_hash = user.get_session_auth_hash()
    if session_hash and constant_time_compare(session_hash, session_auth_hash):
        return user
    if session_hash and any(
        constant_time_compare(session_hash, fallback_hash)
        for fallback_hash in user.get_session_auth_fallback_hash()
    ):
        session.cycle_key()
        session[HASH_SESSION_KEY] = session_auth_hash
        return user
    session.flush()
    return AnonymousUser()


def _cached_session_user(request):
    if not hasattr(request, "_cached_user"):
        request._cached_user = session_user(request)
    return request._cached_user


class LeanAuthenticationMiddleware(AuthenticationMiddleware):
    """Django's AuthenticationMiddleware, finding the user by `session_user`."""

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _cached_session_user(request))


SESSION_MEMBERSHIP = "patternwork_membership"
SESSION_STARTED = "patternwork_auth_started"
SESSION_LAST_SEEN = "patternwork_last_seen"
# The idle timeout of the practice a client logged in to (staff use their membership's).
SESSION_IDLE_MINUTES = "patternwork_idle_minutes"


class LeanOTPMiddleware(OTPMiddleware):
    """django-otp's middleware, reading only what the check needs from the device row.

    On every request django-otp loads the session's device by its persistent id and
    keeps it only while it belongs to the user and is confirmed; a device removed or no
    longer confirmed ends the session's verification on its next request. That check
    stays exactly as it is (django-otp's `_finalize_device`); what changes is the read:
    its id, owner and confirmation alone, not the whole row, whose TOTP secret would be
    decrypted on every page for nothing. Another field, where a page uses one (a
    passkey's name), loads when first read.
    """

    def _verify_user_sync(self, request, user):
        # django-otp's steps on the user itself rather than through the authentication
        # middleware's lazy wrapper, which would run each of their reads and writes of
        # the user's attributes through three lookups.
        return super()._verify_user_sync(request, _unwrapped(user))

    def _device_from_persistent_id(self, persistent_id: str):
        persistent_id = self._normalize_persistent_id(persistent_id)
        with suppress(ValueError, LookupError):
            model_label, device_id = persistent_id.rsplit("/", 1)
            device_cls = apps.get_model(model_label)
            pk = int(device_id)
            # The ORM answers an id out of the column's range with no row; so does this.
            if issubclass(device_cls, Device) and 0 < pk < 2**63:
                return next(iter(_DEVICE_QUERIES[device_cls].rows(pk)), None)
        return None


# One device row by primary key, its id, owner and confirmation only; made once per
# device model and process (core.prepared).
_DEVICE_QUERIES = PreparedShapes(
    lambda device_cls: PreparedRead(
        lambda pk: device_cls.objects.filter(pk=pk).only("id", "user_id", "confirmed"),
        int,
    )
)


def _unwrapped(user):
    """The object a lazy user stands for (itself lazy, as OTPMiddleware's wraps Django's)."""
    while isinstance(user, SimpleLazyObject):
        getattr(user, "pk", None)  # evaluates it
        user = user._wrapped
    return user


class MembershipMiddleware:
    """Attach the member's active practice role to the request, and end dead sessions.

    A session dies on its next request when it passed the absolute limit, when it has
    been idle for longer than its practice's idle timeout, or when the membership it was
    working under has been deactivated since.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = None
        # Every request needs its user from here on: the lazy wrappers the authentication
        # and OTP middleware put around it have done their work once it is read, and each
        # later attribute read through them (dozens a page) costs three lookups.
        request.user = _unwrapped(request.user)
        if request.user.is_authenticated:
            if self._expired(request):
                logout(request)
            else:
                request.membership = self._membership(request)
                if request.membership is not None:
                    # Read afresh for this request alone: it may keep per-request answers.
                    request.membership.per_request = True
                if request.user.is_authenticated and self._idle(request):
                    logout(request)
                    request.membership = None
        if request.membership is None:
            return self.get_response(request)
        # Staff see and enter times in their practice's time zone; storage stays UTC.
        with timezone.override(ZoneInfo(request.membership.practice.time_zone)):
            return self.get_response(request)

    def _expired(self, request) -> bool:
        started = request.session.get(SESSION_STARTED)
        if not started:
            return False
        started_at = datetime.fromisoformat(started)
        return timezone.now() - started_at > settings.SESSION_ABSOLUTE_LIMIT

    def _idle(self, request) -> bool:
        """Whether the session sat unused past its idle timeout; else note this request."""
        if request.membership is not None:
            minutes = request.membership.practice.idle_timeout_minutes
        else:
            minutes = request.session.get(SESSION_IDLE_MINUTES, DEFAULT_IDLE_TIMEOUT_MINUTES)
        now = timezone.now()
        last_seen = request.session.get(SESSION_LAST_SEEN)
        if last_seen is None:
            request.session[SESSION_LAST_SEEN] = now.isoformat()
            return False
        idle = now - datetime.fromisoformat(last_seen)
        if idle > timedelta(minutes=minutes):
            return True
        # Moved on at most once a minute, so that a request that changes nothing else does
        # not write the session: a session may end up to a minute before its timeout, never
        # after it.
        if idle >= settings.SESSION_SAVE_AFTER:
            request.session[SESSION_LAST_SEEN] = now.isoformat()
        return False

    def _membership(self, request):
        chosen = request.session.get(SESSION_MEMBERSHIP)
        memberships = MEMBERSHIPS.rows(request.user.pk)
        # Kept for this request's audited refusals (accounts.access.deny_not_found), which
        # name the practice of an account that has no active membership.
        request.user.read_memberships = memberships
        if chosen:
            for membership in memberships:
                if str(membership.public_id) == chosen:
                    if membership.is_active:
                        return membership
                    logout(request)
                    return None
        active = [m for m in memberships if m.is_active]
        if active:
            request.session[SESSION_MEMBERSHIP] = str(active[0].public_id)
            return active[0]
        return None
