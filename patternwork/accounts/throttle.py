"""Failed-login throttling per account and per address, over a sliding window.

Stored in the database so every app process sees the same counts. An account locks
after LOGIN_THROTTLE_PER_ACCOUNT failures within the window and unlocks by itself
when the oldest of them leaves the window: an attacker can slow a real user down but
never lock them out for good. The per-address limit is higher because a whole
service may sit behind one NAT address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from patternwork.accounts.models import LoginFailure, normalise_email


@dataclass(frozen=True)
class Lock:
    locked: bool
    until: datetime | None = None


def _lock_for(queryset, limit: int, now: datetime) -> Lock:
    window = settings.LOGIN_THROTTLE_WINDOW
    recent = queryset.filter(at__gt=now - window)
    if recent.count() < limit:
        return Lock(False)
    # Unlocks when enough failures age out that fewer than `limit` remain.
    times = list(recent.order_by("-at").values_list("at", flat=True)[:limit])
    return Lock(True, times[-1] + window)


def check(username: str, address: str | None) -> Lock:
    now = timezone.now()
    by_account = _lock_for(
        LoginFailure.objects.filter(username=normalise_email(username)),
        settings.LOGIN_THROTTLE_PER_ACCOUNT,
        now,
    )
    if by_account.locked or not address:
        return by_account
    return _lock_for(
        LoginFailure.objects.filter(address=address), settings.LOGIN_THROTTLE_PER_ADDRESS, now
    )


def note_failure(username: str, address: str | None) -> None:
    now = timezone.now()
    LoginFailure.objects.create(username=normalise_email(username)[:254], address=address, at=now)
    LoginFailure.objects.filter(at__lte=now - settings.LOGIN_THROTTLE_WINDOW).delete()


def clear_account(username: str) -> None:
    LoginFailure.objects.filter(username=normalise_email(username)).delete()
