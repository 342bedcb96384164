"""Turn appointments into iCalendar events: the therapist's feed and the client's file.

Two audiences, two wordings. The therapist's feed lands in calendars that others may
glimpse (a phone on the desk, a shared work calendar), so it names a client only by
client number and initial, and carries no notes and no reasons. The client's file is
theirs: it names their therapist and the practice, and says where to go.

Both keep one VEVENT per appointment with the UID "<public id>@patternwork" and the
appointment's SEQUENCE, so a moved appointment updates the same calendar entry and a
cancelled one is sent as STATUS:CANCELLED rather than silently dropped.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.utils.translation import gettext as _

from patternwork.accounts.models import Practice
from patternwork.clients.models import Client
from patternwork.treatment.calendar.ical import (
    CalendarEvent,
    EventStatus,
    ics_filename,
    render_calendar,
)
from patternwork.treatment.models import Appointment
from patternwork.treatment.selectors import session_number

PRODUCT_ID = "-//Patternwork//Patternwork appointments//EN"
UID_DOMAIN = "patternwork"
CANCELLED_STATUSES = (Appointment.Status.CANCELLED_CLIENT, Appointment.Status.CANCELLED_THERAPIST)


def event_uid(appointment: Appointment) -> str:
    return f"{appointment.public_id}@{UID_DOMAIN}"


def client_initial(client: Client) -> str:
    """The first letter of the name the client goes by, as "J."; empty if there is none."""
    name = client.preferred_name.strip() or client.full_name.strip()
    letter = next((character for character in name if character.isalnum()), "")
    return f"{letter.upper()}." if letter else ""


def client_label(client: Client) -> str:
    initial = client_initial(client)
    return f"{client.client_number} ({initial})" if initial else client.client_number


def feed_summary(appointment: Appointment) -> str:
    """The therapist's view: kind, session n of N, client number and initial; nothing else."""
    label = client_label(appointment.course.client)
    if appointment.kind == Appointment.Kind.ASSESSMENT:
        return _("Assessment · %(client)s") % {"client": label}
    number = session_number(appointment)
    if number is None:
        return _("DIT session · %(client)s") % {"client": label}
    return _("DIT session %(number)s of %(planned)s · %(client)s") % {
        "number": number,
        "planned": appointment.course.planned_sessions,
        "client": label,
    }


def feed_description(appointment: Appointment) -> str | None:
    # The outcome only ("Did not attend", "Cancelled by client"), never the reason given.
    if appointment.status == Appointment.Status.BOOKED:
        return None
    return str(appointment.get_status_display())


def event_status(appointment: Appointment) -> EventStatus:
    """Cancelled appointments are CANCELLED; booked, attended and missed ones CONFIRMED.

    A missed appointment (did not attend) still took place in the therapist's diary, so
    it stays CONFIRMED with "Did not attend" in its description.
    """
    if appointment.status in CANCELLED_STATUSES:
        return EventStatus.CANCELLED
    return EventStatus.CONFIRMED


def practice_location(practice: Practice) -> str | None:
    """The practice's postal address on one line, as calendar apps show a location."""
    lines = [line.strip() for line in practice.address.splitlines()]
    return ", ".join(line for line in lines if line) or None


def _event(
    appointment: Appointment,
    *,
    summary: str,
    description: str | None,
    location: str | None,
    now: datetime,
) -> CalendarEvent:
    return CalendarEvent(
        uid=event_uid(appointment),
        start=appointment.starts_at,
        end=appointment.ends_at,
        summary=summary,
        description=description,
        location=location,
        dtstamp=now,
        created=appointment.created_at,
        last_modified=appointment.updated_at,
        sequence=appointment.sequence,
        status=event_status(appointment),
    )


def feed_events(
    appointments: Iterable[Appointment], *, practice: Practice, now: datetime
) -> list[CalendarEvent]:
    """The therapist's appointments as events; they need `with_session_positions`."""
    location = practice_location(practice)
    return [
        _event(
            appointment,
            summary=feed_summary(appointment),
            description=feed_description(appointment),
            location=location,
            now=now,
        )
        for appointment in appointments
    ]


def feed_calendar_name(practice: Practice) -> str:
    return _("Patternwork · %(practice)s") % {"practice": practice.name}


def render_feed(*, appointments: Iterable[Appointment], practice: Practice, now: datetime) -> str:
    return render_calendar(
        name=feed_calendar_name(practice),
        product_id=PRODUCT_ID,
        events=feed_events(appointments, practice=practice, now=now),
        time_zone=practice.time_zone,
    )


def client_summary(appointment: Appointment, practice: Practice) -> str:
    names = {"therapist": appointment.therapist.user.full_name, "practice": practice.name}
    if appointment.kind == Appointment.Kind.ASSESSMENT:
        return _("Assessment with %(therapist)s at %(practice)s") % names
    return _("Therapy session with %(therapist)s at %(practice)s") % names


def client_description(practice: Practice) -> str | None:
    contact = ", ".join(part for part in (practice.phone.strip(), practice.email.strip()) if part)
    if not contact:
        return None
    return _("To change or cancel an appointment, contact %(practice)s: %(contact)s.") % {
        "practice": practice.name,
        "contact": contact,
    }


def client_events(
    appointments: Iterable[Appointment], *, practice: Practice, now: datetime
) -> list[CalendarEvent]:
    """A client's appointments as events for their own calendar."""
    location = practice_location(practice)
    description = client_description(practice)
    return [
        _event(
            appointment,
            summary=client_summary(appointment, practice),
            description=description,
            location=location,
            now=now,
        )
        for appointment in appointments
    ]


def client_calendar_name(practice: Practice) -> str:
    return _("Appointments at %(practice)s") % {"practice": practice.name}


def client_calendar_filename(practice: Practice, client: Client) -> str:
    """A download name like "northgate-therapies-appointments-c00042.ics"."""
    return ics_filename(f"{practice.name} appointments {client.client_number}")


def render_client_calendar(
    *, appointments: Iterable[Appointment], practice: Practice, now: datetime
) -> str:
    return render_calendar(
        name=client_calendar_name(practice),
        product_id=PRODUCT_ID,
        events=client_events(appointments, practice=practice, now=now),
        time_zone=practice.time_zone,
    )
