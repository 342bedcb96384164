"""Sending: hand due messages to the task queue, claim each once, send it, retry with back-off.

A message is claimed with one conditional UPDATE (queued -> sending); only the worker whose
UPDATE changed the row sends it, so a retried task or a second worker never sends twice.
A worker that dies between the claim and the end of the send leaves the message "sending";
`recover_stalled` marks it failed rather than queueing it again, because the server may
already have accepted it: a reminder missed is better than a reminder sent twice.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.core.mail import EmailMessage
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from patternwork.messaging import timing
from patternwork.messaging.kinds import KINDS
from patternwork.messaging.models import Message

logger = logging.getLogger(__name__)

HAND_OVER_AGAIN_AFTER = timedelta(minutes=10)
STALLED_AFTER = timedelta(minutes=30)
HAND_OVER_BATCH = 500
STALLED_ERROR = "The worker stopped while sending; not retried, so it is never sent twice."


def _ready(now: datetime) -> Q:
    return Q(status=Message.Status.QUEUED, due_at__lte=now) & (
        Q(handed_at__isnull=True) | Q(handed_at__lt=now - HAND_OVER_AGAIN_AFTER)
    )


def hand_over_due(*, now: datetime | None = None) -> int:
    """Give each due, queued message to the task queue once; return how many were handed."""
    now = now or timezone.now()
    ids = list(
        Message.objects.filter(_ready(now))
        .order_by("due_at")
        .values_list("pk", flat=True)[:HAND_OVER_BATCH]
    )
    # Conditional, so two schedulers running side by side hand each message over once.
    return sum(hand_over(pk, now=now) for pk in ids)


def hand_over(pk: int, *, now: datetime | None = None) -> bool:
    """Give one message to the task queue now, if it is queued, due and not yet handed over."""
    from patternwork.messaging.tasks import send_message_task

    now = now or timezone.now()
    if not Message.objects.filter(_ready(now), pk=pk).update(handed_at=now):
        return False
    send_message_task.enqueue(pk)
    return True


def recover_stalled(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    return Message.objects.filter(
        status=Message.Status.SENDING, updated_at__lt=now - STALLED_AFTER
    ).update(status=Message.Status.FAILED, last_error=STALLED_ERROR, updated_at=now)


def render(message: Message, context: dict) -> tuple[str, str]:
    base = f"messaging/email/{message.kind}"
    subject = " ".join(render_to_string(f"{base}_subject.txt", context).split())
    return subject, render_to_string(f"{base}.txt", context)


def send_message(message_id: int) -> str:
    """Send one message if it is still queued and due; return what happened to it."""
    now = timezone.now()
    claimed = Message.objects.filter(
        pk=message_id, status=Message.Status.QUEUED, due_at__lte=now
    ).update(status=Message.Status.SENDING, attempts=F("attempts") + 1, updated_at=now)
    if not claimed:
        return "skipped"
    message = Message.objects.get(pk=message_id)
    kind = KINDS.get(message.kind)
    draft = kind.draft(message) if kind is not None else None
    if draft is None:
        message.status = Message.Status.WITHDRAWN
        message.save(update_fields=["status", "updated_at"])
        return message.status
    try:
        if draft.subject is not None and draft.body is not None:
            subject, body = draft.subject, draft.body
        else:
            subject, body = render(message, draft.context)
        EmailMessage(subject=subject, body=body, to=[draft.to]).send()
    except Exception as error:  # any failure of the transport (or a template) is retried
        # The error names the failure, never the body (it is not stored anywhere).
        message.last_error = f"{type(error).__name__}: {error}"[:500]
        delay = timing.retry_delay(message.attempts)
        if delay is None:
            message.status = Message.Status.FAILED
        else:
            message.status = Message.Status.QUEUED
            message.due_at = timezone.now() + delay
            message.handed_at = None
        message.save(update_fields=["status", "last_error", "due_at", "handed_at", "updated_at"])
        logger.warning("message %s: attempt %s failed", message.public_id, message.attempts)
        return message.status
    message.status = Message.Status.SENT
    message.sent_at = timezone.now()
    message.last_error = ""
    message.save(update_fields=["status", "sent_at", "last_error", "updated_at"])
    return message.status


def tick(*, now: datetime | None = None) -> int:
    """One round of the scheduler: recover stalled sends, queue digests and the nightly
    curve refits, lapse unanswered offers, hand over due messages."""
    from patternwork.messaging import digests, nightly
    from patternwork.treatment.services.waiting import lapse_due_offers

    now = now or timezone.now()
    recover_stalled(now=now)
    digests.queue_risk_digests(now=now)
    nightly.queue_curve_refits(now=now)
    # Offers past their answer-by time lapse here; each lapse queues its email.
    lapse_due_offers(now=now)
    queue_nightly(now=now)
    return hand_over_due(now=now)


def queue_nightly(*, now: datetime) -> list[str]:
    """Queue the nightly jobs (core.nightly) once per UTC day, on the first tick of the day."""
    from patternwork.core import nightly
    from patternwork.messaging.tasks import nightly_task

    claimed = nightly.claim_due(now)
    for name in claimed:
        nightly_task.enqueue(name)
    return claimed
