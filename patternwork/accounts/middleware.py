from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import logout
from django.utils import timezone

from patternwork.accounts.models import DEFAULT_IDLE_TIMEOUT_MINUTES, Membership

SESSION_MEMBERSHIP = "patternwork_membership"
SESSION_STARTED = "patternwork_auth_started"
SESSION_LAST_SEEN = "patternwork_last_seen"
# The idle timeout of the practice a client logged in to (staff use their membership's).
SESSION_IDLE_MINUTES = "patternwork_idle_minutes"


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
        memberships = list(
            Membership.objects.filter(user=request.user).select_related("practice").order_by("pk")
        )
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
