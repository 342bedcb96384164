"""Messages about appointments, kept in step with the course's diary: the reminder, and
"your questionnaires are open" for a client with a portal login.

`sync_course_reminders` runs inside every treatment write that books, moves or cancels
(registered in MessagingConfig.ready()). It queues the missing reminders and withdraws the
queued ones that no longer match a booked appointment, so a move re-times a reminder
(the old one withdrawn, a new one queued for the new time) and a cancellation withdraws it.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from patternwork.accounts.models import Practice
from patternwork.clients.models import Client
from patternwork.measures.presession import WINDOW_BEFORE as QUESTIONNAIRE_WINDOW
from patternwork.messaging import timing
from patternwork.messaging.models import Message
from patternwork.treatment import scheduling
from patternwork.treatment.models import Appointment, Course

KIND = "appointment_reminder"
QUESTIONNAIRES = "questionnaires_open"
KINDS = (KIND, QUESTIONNAIRES)


def wants_reminders(practice: Practice, client: Client) -> bool:
    """The practice sends them, the client has not opted out and agreed to email, and has an address."""
    return bool(
        practice.send_appointment_reminders
        and client.appointment_reminders
        and client.contact_by_email
        and client.email
        and client.status == Client.Status.ACTIVE
    )


def send_time(appointment: Appointment):
    return timing.reminder_send_time(
        starts_at=appointment.starts_at,
        zone=scheduling.zone(appointment.practice),
        lead_hours=appointment.practice.reminder_lead_hours,
    )


def reminder_key(appointment: Appointment) -> str:
    """The reminder's identity: the appointment and its nominal send time.

    A move or a new lead time gives a new key (a new message); a second sync or worker
    finds the same key and queues nothing.
    """
    return f"{KIND}:{appointment.public_id}:{send_time(appointment):%Y%m%dT%H%MZ}"


def questionnaires_key(appointment: Appointment, opens_at) -> str:
    return f"{QUESTIONNAIRES}:{appointment.public_id}:{opens_at:%Y%m%dT%H%MZ}"


def group_for(course: Course) -> str:
    return f"course:{course.public_id}"


def appointment_for(message: Message) -> Appointment | None:
    return (
        Appointment.objects.filter(pk=message.about_id, status=Appointment.Status.BOOKED)
        .select_related("practice", "course__client")
        .first()
    )


def sync_course_reminders(course: Course) -> None:
    """Queue the reminders the course's booked future appointments need; withdraw the rest.

    A reminder's key holds its nominal send time, so a changed time is a new message; a
    reminder already sent or failed for the same key is left alone and never queued again.
    """
    now = timezone.now()
    practice = course.practice
    client = Client.objects.get(pk=course.client_id)
    wanted: dict[str, tuple[Appointment, object, str]] = {}
    if course.state != Course.State.ENDED and wants_reminders(practice, client):
        booked = course.appointments.filter(status=Appointment.Status.BOOKED, starts_at__gt=now)
        for appointment in booked:
            appointment.practice = practice
            due = timing.reminder_due_at(
                starts_at=appointment.starts_at,
                zone=scheduling.zone(practice),
                lead_hours=practice.reminder_lead_hours,
                now=now,
            )
            if due is not None:
                wanted[reminder_key(appointment)] = (appointment, due, KIND)
            if client.user_id is not None and appointment.kind == Appointment.Kind.TREATMENT:
                # "Your questionnaires are open", when the portal opens them. Whether any
                # is due (and not yet sent) is checked when it goes.
                opens = appointment.starts_at - QUESTIONNAIRE_WINDOW
                wanted[questionnaires_key(appointment, opens)] = (
                    appointment,
                    max(opens, now),
                    QUESTIONNAIRES,
                )
    group = group_for(course)
    mine = Message.objects.filter(group=group, kind__in=KINDS)
    mine.filter(status=Message.Status.QUEUED).exclude(key__in=wanted).update(
        status=Message.Status.WITHDRAWN, updated_at=now
    )
    known = dict(mine.filter(key__in=wanted).values_list("key", "status"))
    for key, status in known.items():
        if status == Message.Status.WITHDRAWN:
            # Wanted again (the client opted back in, an appointment moved back): a
            # withdrawn reminder was never sent, so queueing it again cannot send it twice.
            mine.filter(key=key, status=Message.Status.WITHDRAWN).update(
                status=Message.Status.QUEUED, due_at=wanted[key][1], handed_at=None, updated_at=now
            )
    appointment_type = ContentType.objects.get_for_model(Appointment)
    Message.objects.bulk_create(
        [
            Message(
                practice=practice,
                kind=kind,
                recipient_role=Message.Role.CLIENT,
                recipient_client=client,
                about_type=appointment_type,
                about_id=appointment.pk,
                group=group,
                key=key,
                due_at=due,
            )
            for key, (appointment, due, kind) in wanted.items()
            if key not in known
        ],
        # A concurrent sync of the same course may have queued the same key first.
        ignore_conflicts=True,
    )


def sync_practice_reminders(practice: Practice) -> None:
    """Re-sync every open course of the practice (after its reminder settings changed)."""
    for course in Course.objects.filter(practice=practice).exclude(state=Course.State.ENDED):
        course.practice = practice
        sync_course_reminders(course)


def sync_client_reminders(client: Client) -> None:
    for course in client.courses.exclude(state=Course.State.ENDED).select_related("practice"):
        sync_course_reminders(course)
