"""The therapist's private calendar feed, parsed with an independent iCalendar parser."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from patternwork.accounts.models import Membership
from patternwork.audit.models import AuditEvent
from patternwork.treatment.models import Appointment, CalendarFeed
from patternwork.treatment.services.appointments import (
    cancel_appointment,
    move_appointment,
)
from patternwork.treatment.services.calendar import create_feed, revoke_feed
from patternwork.treatment.services.intake import assign_therapist
from tests.factories import AppointmentFactory, ClientFactory, CourseFactory
from tests.feeds import (
    AUTUMN_NOW,
    LONDON,
    appointment_facts,
    autumn_course,
    event_facts,
    fetch,
    local_rows,
    parse,
)

# The clock of the `frozen` fixture.
NOW = AUTUMN_NOW

CLIENT = "C00042 (S.)"


def test_feed_events_match_the_therapists_appointments_exactly(client, therapist, frozen):
    course = autumn_course(therapist)
    _, token = create_feed(membership=therapist)

    response = fetch(client, token)

    calendar = parse(response.content)
    appointments = Appointment.objects.filter(therapist=therapist)
    assert response.status_code == 200
    assert {event_facts(e) for e in calendar.walk("VEVENT")} == {
        appointment_facts(a) for a in appointments
    }
    assert len(calendar.walk("VEVENT")) == course.appointments.count() == 9


def test_feed_shows_number_initial_and_outcome_at_local_times_across_the_clock_change(
    client, therapist, frozen
):
    autumn_course(therapist)
    _, token = create_feed(membership=therapist)

    calendar = parse(fetch(client, token).content)

    assert local_rows(calendar) == [
        ("Tue 07 Oct 2025 14:00", 60, f"Assessment · {CLIENT}", "CONFIRMED", 0, "Attended"),
        ("Mon 13 Oct 2025 10:00", 50, f"DIT session 1 of 8 · {CLIENT}", "CONFIRMED", 0, "Attended"),
        ("Mon 20 Oct 2025 10:00", 50, f"DIT session 2 of 8 · {CLIENT}", "CONFIRMED", 0, "Attended"),
        ("Mon 27 Oct 2025 10:00", 50, f"DIT session · {CLIENT}", "CONFIRMED", 0, "Did not attend"),
        ("Wed 05 Nov 2025 10:00", 50, f"DIT session 3 of 8 · {CLIENT}", "CONFIRMED", 1, None),
        (
            "Mon 10 Nov 2025 10:00",
            50,
            f"DIT session · {CLIENT}",
            "CANCELLED",
            1,
            "Cancelled by client",
        ),
        ("Mon 17 Nov 2025 10:00", 50, f"DIT session 4 of 8 · {CLIENT}", "CONFIRMED", 0, None),
        ("Mon 24 Nov 2025 10:00", 50, f"DIT session 5 of 8 · {CLIENT}", "CONFIRMED", 0, None),
        ("Mon 01 Dec 2025 10:00", 50, f"DIT session 6 of 8 · {CLIENT}", "CONFIRMED", 0, None),
    ]


def test_feed_writes_times_with_the_practice_tzid_an_hour_apart_in_utc(client, therapist, frozen):
    autumn_course(therapist)
    _, token = create_feed(membership=therapist)

    calendar = parse(fetch(client, token).content)

    sessions = [e for e in calendar.walk("VEVENT") if "DIT session" in str(e["SUMMARY"])]
    before, after = sessions[1], sessions[2]  # Mon 20 Oct (BST) and Mon 27 Oct (GMT)
    assert [e["DTSTART"].params["TZID"] for e in (before, after)] == ["Europe/London"] * 2
    assert [e["DTSTART"].to_ical() for e in (before, after)] == [
        b"20251020T100000",
        b"20251027T100000",
    ]
    assert [e.decoded("DTSTART").astimezone(UTC) for e in (before, after)] == [
        datetime(2025, 10, 20, 9, 0, tzinfo=UTC),
        datetime(2025, 10, 27, 10, 0, tzinfo=UTC),
    ]
    assert [str(c["TZID"]) for c in calendar.walk("VTIMEZONE")] == ["Europe/London"]
    assert str(calendar["X-WR-TIMEZONE"]) == "Europe/London"
    assert str(calendar["X-WR-CALNAME"]) == "Patternwork · Northgate Therapies"


def test_feed_uses_the_practices_own_time_zone(client, therapist, frozen):
    therapist.practice.time_zone = "America/New_York"
    therapist.practice.save(update_fields=["time_zone"])
    appointment = AppointmentFactory(
        course__client__practice=therapist.practice,
        course__client__therapist=therapist,
        starts_at=datetime(2025, 11, 3, 15, 0, tzinfo=UTC),
        ends_at=datetime(2025, 11, 3, 15, 50, tzinfo=UTC),
    )
    _, token = create_feed(membership=therapist)

    event = parse(fetch(client, token).content).walk("VEVENT")[0]

    assert (event["DTSTART"].params["TZID"], event["DTSTART"].to_ical()) == (
        "America/New_York",
        b"20251103T100000",
    )
    assert event.decoded("DTSTART") == appointment.starts_at


def test_moving_an_appointment_keeps_its_uid_and_bumps_its_sequence(client, therapist, frozen):
    course = autumn_course(therapist)
    _, token = create_feed(membership=therapist)
    appointment = course.appointments.get(starts_at=datetime(2025, 11, 17, 10, 0, tzinfo=UTC))
    uid = f"{appointment.public_id}@patternwork"
    before = {str(e["UID"]): e for e in parse(fetch(client, token).content).walk("VEVENT")}

    move_appointment(
        appointment=appointment,
        new_start=datetime(2025, 11, 18, 15, 30, tzinfo=LONDON),
        scope="single",
        actor=therapist,
    )
    after = {str(e["UID"]): e for e in parse(fetch(client, token).content).walk("VEVENT")}

    assert set(after) == set(before)
    assert (int(before[uid]["SEQUENCE"]), int(after[uid]["SEQUENCE"])) == (0, 1)
    assert (before[uid].decoded("DTSTART"), after[uid].decoded("DTSTART")) == (
        datetime(2025, 11, 17, 10, 0, tzinfo=LONDON),
        datetime(2025, 11, 18, 15, 30, tzinfo=LONDON),
    )
    assert after[uid].decoded("DTEND") == datetime(2025, 11, 18, 16, 20, tzinfo=LONDON)


def test_cancelling_an_appointment_sends_it_as_cancelled_with_the_same_uid(
    client, therapist, frozen
):
    course = autumn_course(therapist)
    _, token = create_feed(membership=therapist)
    appointment = course.appointments.get(starts_at=datetime(2025, 11, 24, 10, 0, tzinfo=UTC))
    uid = f"{appointment.public_id}@patternwork"

    cancel_appointment(
        appointment=appointment, by="therapist", reason="Therapist on leave", actor=therapist
    )
    events = {str(e["UID"]): e for e in parse(fetch(client, token).content).walk("VEVENT")}

    assert (str(events[uid]["STATUS"]), int(events[uid]["SEQUENCE"])) == ("CANCELLED", 1)
    assert str(events[uid]["DESCRIPTION"]) == "Cancelled by therapist"
    assert events[uid].decoded("DTSTART") == datetime(2025, 11, 24, 10, 0, tzinfo=LONDON)


def test_feed_holds_no_names_notes_or_reasons(client, therapist, frozen):
    autumn_course(therapist)
    _, token = create_feed(membership=therapist)

    text = fetch(client, token).content.decode("utf-8")
    # The events' ids are random hex, which can hold "1990" by chance: left out of the check.
    text = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "", text)

    for private in ("Alexandra", "Bloggs", "Sasha", "Unwell", "flu", "1990"):
        assert private not in text


def test_feed_leaves_out_other_therapists_and_other_practices_appointments(
    client, therapist, other_therapist, foreign_therapist, frozen
):
    mine = autumn_course(therapist)
    autumn_course(other_therapist, client_number="C00043")
    autumn_course(foreign_therapist, client_number="C00044")
    _, token = create_feed(membership=therapist)

    calendar = parse(fetch(client, token).content)

    assert {str(e["UID"]) for e in calendar.walk("VEVENT")} == {
        f"{a.public_id}@patternwork" for a in mine.appointments.all()
    }


def test_feed_numbers_sessions_across_the_whole_course_after_reassignment(
    client, therapist, other_therapist, admin, frozen
):
    course = autumn_course(therapist)
    assign_therapist(client=course.client, therapist=other_therapist, assigned_by=admin)
    _, token = create_feed(membership=other_therapist)

    calendar = parse(fetch(client, token).content)

    assert [(row[0], row[2]) for row in local_rows(calendar)] == [
        ("Wed 05 Nov 2025 10:00", f"DIT session 3 of 8 · {CLIENT}"),
        ("Mon 17 Nov 2025 10:00", f"DIT session 4 of 8 · {CLIENT}"),
        ("Mon 24 Nov 2025 10:00", f"DIT session 5 of 8 · {CLIENT}"),
        ("Mon 01 Dec 2025 10:00", f"DIT session 6 of 8 · {CLIENT}"),
    ]


def test_feed_response_headers_and_last_used(client, therapist, frozen):
    feed, token = create_feed(membership=therapist)

    response = fetch(client, token)

    feed.refresh_from_db()
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content.startswith(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert parse(response.content).walk("VEVENT") == []
    assert feed.last_used_at == NOW
    assert "Set-Cookie" not in response


def test_feed_fetch_is_not_audited(client, therapist, frozen):
    _, token = create_feed(membership=therapist)
    before = AuditEvent.objects.count()

    fetch(client, token)
    fetch(client, token)

    assert AuditEvent.objects.count() == before


def test_unknown_and_revoked_tokens_get_the_same_404(client, therapist, frozen):
    _, revoked = create_feed(membership=therapist)
    revoke_feed(membership=therapist)

    unknown_response = fetch(client, "x" * 43)
    revoked_response = fetch(client, revoked)

    assert (unknown_response.status_code, revoked_response.status_code) == (404, 404)
    assert unknown_response.content == revoked_response.content == b"Not found.\n"
    assert unknown_response["Content-Type"] == revoked_response["Content-Type"]
    assert revoked_response["Cache-Control"] == "no-store"
    assert CalendarFeed.objects.get().last_used_at is None


def test_creating_a_feed_stops_the_previous_address(client, therapist, frozen):
    _, old = create_feed(membership=therapist)
    _, new = create_feed(membership=therapist)

    assert (fetch(client, old).status_code, fetch(client, new).status_code) == (404, 200)


def test_feed_of_a_deactivated_member_stops(client, therapist, frozen):
    _, token = create_feed(membership=therapist)
    therapist.is_active = False
    therapist.save(update_fields=["is_active"])

    assert fetch(client, token).status_code == 404


def test_feed_token_never_reaches_the_log(client, therapist, frozen, caplog):
    _, live = create_feed(membership=therapist)
    _, revoked = create_feed(membership=therapist)
    revoke_feed(membership=therapist)
    caplog.set_level(logging.DEBUG)

    wrong_method = client.post(reverse("api:calendar-feed", args=[live]))
    gone = fetch(client, revoked)

    assert (wrong_method.status_code, gone.status_code) == (405, 404)
    assert wrong_method["Allow"] == "GET, HEAD"
    assert live not in caplog.text
    assert revoked not in caplog.text


def test_feed_answers_head_requests(client, therapist, frozen):
    _, token = create_feed(membership=therapist)

    response = client.head(reverse("api:calendar-feed", args=[token]))

    assert (response.status_code, response["Content-Type"]) == (
        200,
        "text/calendar; charset=utf-8",
    )


def _appointments(therapist: Membership, count: int) -> None:
    first = datetime(2025, 9, 1, 9, 0, tzinfo=UTC)
    courses = [
        CourseFactory(
            client=ClientFactory(practice=therapist.practice, therapist=therapist),
            state="active",
        )
        for _ in range(min(count, 4))
    ]
    for number in range(count):
        start = first + timedelta(days=number)
        AppointmentFactory(
            course=courses[number % len(courses)],
            starts_at=start,
            ends_at=start + timedelta(minutes=50),
            status="booked",
        )


@pytest.mark.parametrize("count", [3, 40])
def test_feed_query_count_does_not_grow(
    client, therapist, frozen, count, django_assert_num_queries
):
    _appointments(therapist, count)
    _, token = create_feed(membership=therapist)

    # The feed and its member, the last-used note, the appointments with their positions.
    with django_assert_num_queries(3):
        response = fetch(client, token)

    assert len(parse(response.content).walk("VEVENT")) == count
