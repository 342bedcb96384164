"""Rate limits on password-reset requests, per account and per address.

Each request is an audit event ("<prefix>.password_reset_requested", under the practice
of the account the address names, or instance-level for an unknown address), and the
limits count those events over the last RESET_WINDOW: the log that proves what happened
is also the counter, in the database, so every app process sees it. A request over a
limit is audited as "<prefix>.password_reset_throttled" and sends nothing; the asker
sees the same page either way, so the limit reveals nothing about the address.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from patternwork.accounts.models import normalise_email
from patternwork.accounts.practices import practice_of_email
from patternwork.audit.models import AuditEvent
from patternwork.audit.services import record
from patternwork.core import context

RESET_WINDOW = timedelta(hours=1)
REQUESTED = "password_reset_requested"


def allow_request(*, email: str, audit_prefix: str) -> bool:
    """Audit a reset request; False (audited as throttled) when over a limit."""
    email = normalise_email(email)[:254]
    address = context.current().remote_addr
    since = timezone.now() - RESET_WINDOW
    with transaction.atomic():
        recent = AuditEvent.objects.filter(action__endswith=f".{REQUESTED}", occurred_at__gt=since)
        over = recent.filter(actor_label=email).count() >= settings.PASSWORD_RESET_PER_ACCOUNT
        if address and not over:
            over = recent.filter(remote_addr=address).count() >= settings.PASSWORD_RESET_PER_ADDRESS
        record(
            action=f"{audit_prefix}.password_reset_{'throttled' if over else 'requested'}",
            actor_label=email,
            practice=practice_of_email(email),
            outcome=AuditEvent.Outcome.DENIED if over else AuditEvent.Outcome.SUCCESS,
        )
    return not over
