"""Emails about a waiting client's offer of a start: the offer, and its lapse.

Treatment announces both after its write commits (treatment.signals), with the offer's
public id only; the email says that an offer is waiting (or has lapsed) with a link to the
portal, never the therapist's notes or anything clinical.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from patternwork.messaging.models import Message
from patternwork.treatment.models import Offer

OFFER_MADE = "offer_made"
OFFER_LAPSED = "offer_lapsed"


def offer_for(message: Message) -> Offer | None:
    return (
        Offer.objects.filter(pk=message.about_id)
        .select_related("practice", "entry__course__client")
        .first()
    )


def queue_offer_message(kind: str, offer_public_id) -> Message | None:
    """Queue one email to the client about the offer, due now; a second call is a no-op."""
    offer = (
        Offer.objects.filter(public_id=offer_public_id)
        .select_related("entry__course__client")
        .first()
    )
    if offer is None:
        return None
    client = offer.entry.course.client
    message, _ = Message.objects.get_or_create(
        key=f"{kind}:{offer.public_id}",
        defaults={
            "practice_id": offer.practice_id,
            "kind": kind,
            "recipient_role": Message.Role.CLIENT,
            "recipient_client": client,
            "about_type": ContentType.objects.get_for_model(Offer),
            "about_id": offer.pk,
            "due_at": timezone.now(),
        },
    )
    return message


def on_offer_made(sender, offer_public_id, **kwargs) -> None:
    queue_offer_message(OFFER_MADE, offer_public_id)


def on_offer_lapsed(sender, offer_public_id, **kwargs) -> None:
    queue_offer_message(OFFER_LAPSED, offer_public_id)
