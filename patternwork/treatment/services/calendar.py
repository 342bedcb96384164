"""Private iCalendar feed URLs: a secret token shown once, stored only as a hash."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from patternwork.accounts.models import Membership
from patternwork.audit.services import record
from patternwork.treatment.models import CalendarFeed


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_feed(*, membership: Membership) -> tuple[CalendarFeed, str]:
    """Create a feed (revoking any earlier one) and return it with its secret token."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        now = timezone.now()
        CalendarFeed.objects.filter(membership=membership, revoked_at__isnull=True).update(
            revoked_at=now
        )
        feed = CalendarFeed.objects.create(membership=membership, token_hash=hash_token(token))
        record(
            action="calendar_feed.create",
            actor=membership.user,
            actor_role=membership.role,
            practice=membership.practice,
            obj=feed,
        )
    return feed, token


def revoke_feed(*, membership: Membership) -> int:
    """Revoke the member's active feed URLs; old links stop working at once."""
    with transaction.atomic():
        revoked = CalendarFeed.objects.filter(
            membership=membership, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        record(
            action="calendar_feed.revoke",
            actor=membership.user,
            actor_role=membership.role,
            practice=membership.practice,
            object_type="treatment.calendarfeed",
            changes={"revoked": revoked},
        )
    return revoked


def touch_feed(feed: CalendarFeed) -> None:
    # A read, not a clinical write: note when the feed was last fetched, unaudited.
    CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=timezone.now())
