"""Writes that change which messages are queued: reminder settings and preferences."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from patternwork.accounts import services as account_services
from patternwork.accounts.models import Membership, Practice
from patternwork.clients import services as client_services
from patternwork.clients.models import Client
from patternwork.core import erasure
from patternwork.messaging import dispatch, reminders
from patternwork.messaging.models import Message


def update_practice_settings(
    *, practice: Practice, data: dict, changed_by: Membership
) -> account_services.PracticeChange:
    """Update the practice's settings (audited by accounts); re-time its reminders if needed.

    A new lead time, a new time zone or switching reminders off or on re-syncs every open
    course's reminders in the same transaction: the queued ones at the old time are
    withdrawn and the ones at the new time queued.
    """
    with transaction.atomic():
        change = account_services.update_practice(
            practice=practice, data=data, changed_by=changed_by
        )
        if set(change.changed) & set(account_services.REMINDER_FIELDS):
            reminders.sync_practice_reminders(change.practice)
    return change


def set_reminder_preference(*, client: Client, enabled: bool, by) -> bool:
    """The client opts in or out of appointment reminders; queue or withdraw them to match."""
    with transaction.atomic():
        changed = client_services.set_appointment_reminders(client=client, enabled=enabled, by=by)
        if changed:
            reminders.sync_client_reminders(client)
    return changed


def queue_message(
    *,
    kind: str,
    about,
    key: str,
    recipient_role: str,
    recipient_user=None,
    recipient_client=None,
    soon: bool = False,
) -> Message:
    """Queue one message due now (the handler of `core.outbox.queue`); a known key queues nothing."""
    message, created = Message.objects.get_or_create(
        key=key,
        defaults={
            "practice_id": about.practice_id,
            "kind": kind,
            "recipient_role": recipient_role,
            "recipient_user": recipient_user,
            "recipient_client": recipient_client,
            "about_type": ContentType.objects.get_for_model(about),
            "about_id": about.pk,
            "due_at": timezone.now(),
        },
    )
    if created and soon:
        transaction.on_commit(lambda: dispatch.hand_over(message.pk))
    return message


def erase_client_rows(*, client: Client) -> erasure.Erased:
    """Delete the messaging app's rows of the client's record, and their files after the commit.

    For the retention purge (`interop.retention.purge`), which calls each app's eraser,
    highest app first, inside one transaction and writes the record's audit stub there.
    """
    return erasure.erase_owned(client, app_label="messaging")
