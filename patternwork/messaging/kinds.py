"""What each kind of message is: who it goes to, and whether it is still wanted when due.

Adding a kind is one entry here plus two templates (`messaging/email/<kind>.txt` and
`<kind>_subject.txt`). A kind's `draft` looks at the message's object at send time and
returns the address and the template context, or None when the message is no longer
wanted (the appointment moved or was cancelled, the client opted out); the message is then
withdrawn, not sent. Templates say only that something is waiting, with a link: never
clinical content, and never the client's name in a message to anyone else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import formats, timezone

from patternwork.core.links import absolute_url
from patternwork.messaging.models import Message


@dataclass(frozen=True)
class Draft:
    """Where a message goes and what fills its templates.

    A kind whose text is written by its own app (the invitations) gives `subject` and
    `body` instead of a context; they are still made only when the message is sent.
    """

    to: str
    context: dict[str, Any]
    subject: str | None = None
    body: str | None = None


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    draft: Callable[[Message], Draft | None]


KINDS: dict[str, Kind] = {}


def label(name: str) -> str:
    kind = KINDS.get(name)
    return kind.label if kind is not None else name


def register(name: str, label: str) -> Callable[[Callable[[Message], Draft | None]], Kind]:
    def wrap(draft: Callable[[Message], Draft | None]) -> Kind:
        kind = Kind(name=name, label=label, draft=draft)
        KINDS[name] = kind
        return kind

    return wrap


APPOINTMENT_REMINDER = "appointment_reminder"


def _local(moment, practice) -> str:
    from patternwork.treatment import scheduling

    return formats.date_format(moment.astimezone(scheduling.zone(practice)), "l j F Y, H:i")


@register(APPOINTMENT_REMINDER, "Appointment reminder")
def _appointment_reminder(message: Message) -> Draft | None:
    from patternwork.messaging import reminders

    appointment = reminders.appointment_for(message)
    if appointment is None:
        return None
    client = appointment.course.client
    if reminders.reminder_key(appointment) != message.key or not reminders.wants_reminders(
        appointment.practice, client
    ):
        return None
    if appointment.starts_at <= timezone.now():
        return None
    return Draft(
        to=client.email,
        context={
            "practice": appointment.practice.name,
            "practice_phone": appointment.practice.phone,
            "when": _local(appointment.starts_at, appointment.practice),
            "kind": appointment.get_kind_display().lower(),
            "link": absolute_url("/portal/"),
        },
    )


JOURNAL_SHARED = "journal_shared"


@register(JOURNAL_SHARED, "Journal entry shared (to the therapist)")
def _journal_shared(message: Message) -> Draft | None:
    from django.urls import reverse

    from patternwork.formulation.models import JournalEntry

    entry = (
        JournalEntry.objects.filter(pk=message.about_id, shared_at__isnull=False)
        .select_related("course__therapist__user", "practice")
        .first()
    )
    if entry is None:  # unshared before the note went
        return None
    therapist = entry.course.therapist
    if therapist is None or therapist.user_id != message.recipient_user_id:
        return None  # the client moved to another therapist in between
    if not (therapist.is_active and therapist.user.is_active):
        return None
    return Draft(
        to=therapist.user.email,
        context={
            "practice": entry.practice.name,
            "link": absolute_url(reverse("clinic:journal-entry", args=[entry.public_id])),
        },
    )


RISK_DIGEST = "risk_digest"


@register(RISK_DIGEST, "Risk flags waiting (daily, to therapist or supervisor)")
def _risk_digest(message: Message) -> Draft | None:
    from patternwork.accounts.models import Membership
    from patternwork.messaging import digests

    member = (
        Membership.objects.filter(pk=message.about_id, is_active=True, user__is_active=True)
        .select_related("user", "practice")
        .first()
    )
    if member is None or not digests.flags_for(member, timezone.now()).exists():
        return None  # acknowledged in the meantime, or the person left
    return Draft(
        to=member.user.email,
        context={"practice": member.practice.name, "link": absolute_url("/")},
    )


QUESTIONNAIRES_OPEN = "questionnaires_open"


@register(QUESTIONNAIRES_OPEN, "Questionnaires open")
def _questionnaires_open(message: Message) -> Draft | None:
    from django.urls import reverse

    from patternwork.measures import presession
    from patternwork.messaging import reminders

    appointment = reminders.appointment_for(message)
    if appointment is None:
        return None
    client = appointment.course.client
    opens = presession.opens_at(appointment)
    if reminders.questionnaires_key(appointment, opens) != message.key:
        return None
    if client.user_id is None or not reminders.wants_reminders(appointment.practice, client):
        return None
    now = timezone.now()
    sheet = presession.sheet_for(appointment, now)
    if not sheet.is_open or sheet.all_sent:
        return None  # nothing due before this session, or already done
    return Draft(
        to=client.email,
        context={
            "practice": appointment.practice.name,
            "when": _local(appointment.starts_at, appointment.practice),
            "closes": _local(presession.closes_at(appointment), appointment.practice),
            "link": absolute_url(reverse("portal:questionnaire", args=[appointment.public_id])),
        },
    )


STAFF_INVITATION = "staff_invitation"
CLIENT_INVITATION = "client_invitation"


@register(STAFF_INVITATION, "Staff invitation")
def _staff_invitation(message: Message) -> Draft | None:
    from patternwork.accounts import services as account_services
    from patternwork.accounts.models import Membership

    member = (
        Membership.objects.filter(pk=message.about_id, is_active=True)
        .select_related("user", "practice")
        .first()
    )
    if member is None or member.user.has_usable_password():
        return None  # withdrawn from the practice, or the password is already set
    subject, body = account_services.invitation_email(member.user, member.practice)
    return Draft(to=member.user.email, context={}, subject=subject, body=body)


@register(CLIENT_INVITATION, "Portal invitation")
def _client_invitation(message: Message) -> Draft | None:
    from patternwork.accounts.models import Membership
    from patternwork.clients import logins
    from patternwork.clients.models import Client

    client = (
        Client.objects.filter(pk=message.recipient_client_id)
        .select_related("practice", "user")
        .first()
    )
    inviter = Membership.objects.filter(pk=message.about_id).select_related("user").first()
    if client is None or inviter is None or logins.invitation_key(client) != message.key:
        return None  # invited again since (this link no longer works), or record gone
    if client.user is not None and client.user.is_active:
        return None  # already accepted
    subject, body, to = logins.invitation_email(client, inviter)
    return Draft(to=to, context={}, subject=subject, body=body)
