"""What the API remembers about its callers' requests: the first answer to each
Idempotency-Key, and the request counts behind the rate limit.

Both live in the database so that every app process sees the same state. Neither is
audited: they change no record, and the writes a request makes are audited by the
services that make them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from patternwork.accounts.models import ApiRequestCount, IdempotentRequest

# How long a key is remembered. A client retries within minutes; a day covers outages.
IDEMPOTENCY_TTL = timedelta(hours=24)


class KeyInUse(Exception):
    """Another request with the same key committed first (concurrent retries)."""


def stored_answer(*, owner: str, key: str, now: datetime | None = None):
    """The remembered answer to this caller's key, or None (also once it has expired)."""
    now = now or timezone.now()
    return IdempotentRequest.objects.filter(
        owner=owner, key=key, created_at__gt=now - IDEMPOTENCY_TTL
    ).first()


def remember_answer(
    *, owner: str, key: str, request_hash: str, status: int, headers: dict, body: str
) -> IdempotentRequest:
    """Keep the answer to a first request; expired keys of this caller are forgotten.

    Runs inside the caller's write transaction, so the answer commits exactly when the
    write does. A concurrent request that stored the same key first raises KeyInUse,
    and the caller's transaction (its write included) must roll back.
    """
    now = timezone.now()
    IdempotentRequest.objects.filter(owner=owner, created_at__lte=now - IDEMPOTENCY_TTL).delete()
    try:
        with transaction.atomic():
            return IdempotentRequest.objects.create(
                owner=owner,
                key=key,
                request_hash=request_hash,
                status=status,
                headers=headers,
                body=body,
                created_at=now,
            )
    except IntegrityError:
        raise KeyInUse(key) from None


def count_request(*, owner: str, window_start: datetime) -> int:
    """Count one request of `owner` in the window starting at `window_start`; return the
    count so far, this request included. Windows older than an hour are dropped."""
    with transaction.atomic():
        updated = ApiRequestCount.objects.filter(owner=owner, window_start=window_start).update(
            count=F("count") + 1
        )
        if updated:
            return ApiRequestCount.objects.get(owner=owner, window_start=window_start).count
        ApiRequestCount.objects.filter(
            owner=owner, window_start__lt=window_start - timedelta(hours=1)
        ).delete()
        try:
            with transaction.atomic():
                ApiRequestCount.objects.create(owner=owner, window_start=window_start, count=1)
        except IntegrityError:
            # Another process opened the window a moment earlier: count in it instead.
            ApiRequestCount.objects.filter(owner=owner, window_start=window_start).update(
                count=F("count") + 1
            )
            return ApiRequestCount.objects.get(owner=owner, window_start=window_start).count
        return 1
