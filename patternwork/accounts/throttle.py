"""Failed-login throttling per account and per address, as a growing back-off.

Stored in the database so every app process sees the same counts. Nothing locks hard:
past a limit of failures within the window, the next attempt must wait a delay that
doubles with each further failure (LOGIN_BACKOFF_FIRST, capped at LOGIN_BACKOFF_MAX)
after the latest failure, and failures older than the window are forgotten.

- Per account: LOGIN_THROTTLE_PER_ACCOUNT failures from anywhere start the account's
  back-off (slow brute force on one account, from many addresses too).
- Per address: LOGIN_THROTTLE_PER_ADDRESS failures from one address start that
  address's back-off, but only for accounts that have failed from that address in the
  window. A flood from one address (or from everyone behind one NAT or proxy) never
  blocks a correct password for an account it has not been guessing at.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from patternwork.accounts.models import LoginFailure, normalise_email


@dataclass(frozen=True)
class Lock:
    locked: bool
    until: datetime | None = None


def backoff(failures: int, limit: int) -> timedelta:
    """The wait after the latest failure, once `failures` reached `limit`: it doubles."""
    if failures < limit:
        return timedelta(0)
    doublings = min(failures - limit, 16)
    return min(settings.LOGIN_BACKOFF_FIRST * 2**doublings, settings.LOGIN_BACKOFF_MAX)


def _lock_for(queryset, limit: int, now: datetime) -> Lock:
    recent = queryset.filter(at__gt=now - settings.LOGIN_THROTTLE_WINDOW)
    failures = recent.count()
    if failures < limit:
        return Lock(False)
    latest = recent.order_by("-at").values_list("at", flat=True).first()
    until = latest + backoff(failures, limit)
    return Lock(until > now, until)


def check(username: str, address: str | None) -> Lock:
    now = timezone.now()
    account = LoginFailure.objects.filter(username=normalise_email(username))
    by_account = _lock_for(account, settings.LOGIN_THROTTLE_PER_ACCOUNT, now)
    if by_account.locked or not address:
        return by_account
    window_start = now - settings.LOGIN_THROTTLE_WINDOW
    if not account.filter(address=address, at__gt=window_start).exists():
        # No recent failure of this account from this address: its limit does not apply.
        return Lock(False)
    return _lock_for(
        LoginFailure.objects.filter(address=address), settings.LOGIN_THROTTLE_PER_ADDRESS, now
    )


def note_failure(username: str, address: str | None) -> None:
    now = timezone.now()
    LoginFailure.objects.create(username=normalise_email(username)[:254], address=address, at=now)
    LoginFailure.objects.filter(at__lte=now - settings.LOGIN_THROTTLE_WINDOW).delete()


def clear_account(username: str) -> None:
    LoginFailure.objects.filter(username=normalise_email(username)).delete()
