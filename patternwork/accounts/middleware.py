from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import logout
from django.utils import timezone

from patternwork.accounts.models import Membership

SESSION_MEMBERSHIP = "patternwork_membership"
SESSION_STARTED = "patternwork_auth_started"
# When the session was last saved (seconds since the epoch).
SESSION_SEEN = "patternwork_seen"


class SessionActivityMiddleware:
    """Keep the idle timeout running from the last request without a write on every request.

    The idle timeout is the session's own expiry: SESSION_COOKIE_AGE from its last save,
    after which the session store no longer loads it. Saving on every request (an UPDATE
    and a synced commit) kept that exact; here a request that changed nothing in the
    session saves it only when its last save is SESSION_SAVE_AFTER old or more, so a busy
    session is written about once a minute. A session therefore ends at most
    SESSION_COOKIE_AGE after its last request, and never more than SESSION_SAVE_AFTER
    sooner. Requests without a session (nobody logged in) never create one here.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        now = timezone.now().timestamp()
        if session.keys():
            seen = session.get(SESSION_SEEN)
            due = now - settings.SESSION_SAVE_AFTER.total_seconds()
            if not isinstance(seen, int | float) or seen <= due:
                session[SESSION_SEEN] = now
        response = self.get_response(request)
        # A session saved anyway (a login, a choice of practice) restarts the minute; a
        # logged-out, emptied one stays empty and is deleted, not saved.
        if session.modified and session.keys():
            session[SESSION_SEEN] = now
        return response


class MembershipMiddleware:
    """Attach the member's active practice role to the request, and end dead sessions.

    A session dies on its next request when it passed the absolute limit, or when the
    membership it was working under has been deactivated since.
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
