"""Notes to staff: a client shared a journal entry; risk flags wait for acknowledgement.

Each note says only that something is waiting, with a link to the page that shows it: no
client name, no clinical text (the templates are in messaging/email/).
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from patternwork.formulation.models import JournalEntry
from patternwork.messaging.kinds import JOURNAL_SHARED
from patternwork.messaging.models import Message


def queue_journal_shared(entry: JournalEntry) -> Message | None:
    """Queue the note to the course's therapist that this entry was shared, due now."""
    course = entry.course
    if course.therapist_id is None:
        return None
    shared_at: datetime = entry.shared_at or timezone.now()
    message, _ = Message.objects.get_or_create(
        # One note per share: sharing again after unsharing is news again.
        key=f"{JOURNAL_SHARED}:{entry.public_id}:{shared_at:%Y%m%dT%H%M%S}",
        defaults={
            "practice_id": entry.practice_id,
            "kind": JOURNAL_SHARED,
            "recipient_role": Message.Role.THERAPIST,
            "recipient_user_id": course.therapist.user_id,
            "about_type": ContentType.objects.get_for_model(JournalEntry),
            "about_id": entry.pk,
            "due_at": shared_at,
        },
    )
    return message
