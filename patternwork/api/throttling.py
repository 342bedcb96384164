"""The API's rate limit: per token (a session per user), counted in the database so that
every app process shares one count. The rate is `PATTERNWORK_API_RATE`."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from patternwork.accounts.api_requests import count_request
from patternwork.accounts.models import ApiToken
from patternwork.core.middleware import client_address


def caller(request) -> str:
    """A stable name for whoever sent the request: their token, user, or address."""
    if isinstance(request.auth, ApiToken):
        return f"token:{request.auth.public_id}"
    if request.user and request.user.is_authenticated:
        return f"user:{request.user.public_id}"
    return f"addr:{client_address(request._request) or 'unknown'}"[:48]


class PerCallerThrottle(SimpleRateThrottle):
    """A fixed window of `duration` seconds; `wait()` is the time until it ends."""

    scope = "api"

    def get_rate(self):
        # Read at each request rather than at import, so that the setting can change.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        now = timezone.now()
        start = int(now.timestamp()) // self.duration * self.duration
        self.window_start = datetime.fromtimestamp(start, tz=now.tzinfo)
        self.now_seconds = now.timestamp()
        count = count_request(owner=caller(request), window_start=self.window_start)
        return count <= self.num_requests

    def wait(self) -> float:
        return max(1.0, self.window_start.timestamp() + self.duration - self.now_seconds)

    def get_cache_key(self, request, view):
        # Required by the base class; the count lives in the database, not a cache.
        return None
