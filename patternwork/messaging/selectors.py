"""Reads of the outbox."""

from django.db.models import QuerySet

from patternwork.accounts.models import Membership
from patternwork.messaging.models import Message


def messages_for_admin(membership: Membership) -> QuerySet[Message]:
    """The practice's messages, newest due first: kind, role, status and attempts only.

    No recipient name or address, and no body (none is stored): the log shows that a
    message went, or why it did not, without saying to whom about what.
    """
    return (
        Message.objects.filter(practice_id=membership.practice_id)
        .only(
            "public_id",
            "kind",
            "recipient_role",
            "due_at",
            "status",
            "attempts",
            "last_error",
            "sent_at",
        )
        .order_by("-due_at", "-pk")
    )
