"""A course across the October clock change, and its calendar feed parsed independently."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import icalendar
from django.urls import reverse

from patternwork.accounts.models import Membership
from patternwork.treatment.models import Appointment
from patternwork.treatment.services.appointments import (
    cancel_appointment,
    mark_attended,
    mark_did_not_attend,
    move_appointment,
    record_past_session,
)
from patternwork.treatment.services.courses import PlanValues, start_course
from tests.factories import ClientFactory, CourseFactory

LONDON = ZoneInfo("Europe/London")

# Wednesday 29 October 2025, 12:00 in London: three days after the clocks went back
# (Sunday 26 October 2025, BST to GMT).
AUTUMN_NOW = datetime(2025, 10, 29, 12, 0, tzinfo=UTC)


def autumn_course(therapist: Membership, *, client_number: str = "C00042", hour: int = 10):
    """A weekly 10:00 course of 8 across the October clock change, built by the services.

    Assessment on Tue 7 Oct at 14:00 (attended, recorded afterwards); sessions from Mon 13 Oct: 13 and 20 Oct
    attended, 27 Oct missed, 3 Nov moved to Wed 5 Nov, 10 Nov cancelled by the client;
    17 Nov, 24 Nov and 1 Dec booked. A second course for the same therapist takes
    another `hour` (the assessment four hours later). Call it with the clock at AUTUMN_NOW.
    """
    client = ClientFactory(
        practice=therapist.practice,
        therapist=therapist,
        client_number=client_number,
        full_name="Alexandra Bloggs",
        preferred_name="Sasha",
    )
    course = CourseFactory(client=client)
    record_past_session(
        course=course,
        start=datetime(2025, 10, 7, hour + 4, 0, tzinfo=LONDON),
        minutes=60,
        kind="assessment",
        status="attended",
        actor=therapist,
    )
    values = PlanValues(
        planned_sessions=8,
        cadence="weekly",
        session_minutes=50,
        start_date=date(2025, 10, 13),
        start_time=time(hour, 0),
    )
    start_course(course=course, values=values, actor=therapist)
    sessions = list(course.appointments.filter(kind="treatment").order_by("starts_at"))
    mark_attended(appointment=sessions[0], actor=therapist)
    mark_attended(appointment=sessions[1], actor=therapist)
    mark_did_not_attend(appointment=sessions[2], actor=therapist)
    move_appointment(
        appointment=sessions[3],
        new_start=datetime(2025, 11, 5, hour, 0, tzinfo=LONDON),
        scope="single",
        actor=therapist,
    )
    cancel_appointment(
        appointment=sessions[4], by="client", reason="Unwell with flu", actor=therapist
    )
    return course


def parse(body: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(body.decode("utf-8"))


def event_facts(event: icalendar.Event) -> tuple:
    """UID, instants, SEQUENCE and STATUS: what must match the appointment exactly."""
    return (
        str(event["UID"]),
        event.decoded("DTSTART"),
        event.decoded("DTEND"),
        int(event["SEQUENCE"]),
        str(event["STATUS"]),
    )


def appointment_facts(appointment: Appointment) -> tuple:
    status = "CANCELLED" if appointment.is_cancelled else "CONFIRMED"
    return (
        f"{appointment.public_id}@patternwork",
        appointment.starts_at,
        appointment.ends_at,
        appointment.sequence,
        status,
    )


def local_rows(calendar: icalendar.Calendar) -> list[tuple]:
    """Each event as (local start, minutes, summary, status, sequence, description)."""
    rows = []
    for event in calendar.walk("VEVENT"):
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        rows.append(
            (
                start.astimezone(LONDON).strftime("%a %d %b %Y %H:%M"),
                int((end - start).total_seconds() // 60),
                str(event["SUMMARY"]),
                str(event["STATUS"]),
                int(event["SEQUENCE"]),
                str(event["DESCRIPTION"]) if "DESCRIPTION" in event else None,
            )
        )
    return rows


def fetch(client, token: str):
    return client.get(reverse("api:calendar-feed", args=[token]))
