"""Calendar feed settings and a client's appointments as an .ics download."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from patternwork.audit.models import AuditEvent
from patternwork.treatment.models import Appointment, CalendarFeed
from patternwork.treatment.services.calendar import create_feed, hash_token
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

PAGE = reverse("clinic:calendar-feed")
CREATE = reverse("clinic:calendar-feed-create")
REVOKE = reverse("clinic:calendar-feed-revoke")
FEED_URL = re.compile(r'value="http://testserver/calendar/([A-Za-z0-9_-]+)\.ics"')
THERAPY = "Therapy session with Dr Ada Therapist at Northgate Therapies"


def download_url(client) -> str:
    return reverse("clinic:client-calendar", args=[client.public_id])


def shown_token(response) -> str:
    return FEED_URL.search(response.content.decode()).group(1)


def audit_text() -> str:
    return repr(list(AuditEvent.objects.values()))


def test_feed_page_without_a_feed_offers_to_create_one(client, login, therapist):
    login(therapist)

    response = client.get(PAGE)

    assert response.status_code == 200
    assert response.context["feed"] is None
    assert "You have no calendar feed." in response.content.decode()
    assert "/calendar/" not in response.content.decode().replace(PAGE, "")


@pytest.mark.parametrize("role", ["therapist", "supervisor", "admin"])
def test_creating_a_feed_shows_its_address_once_and_audits_it(
    client, login, therapist, supervisor, admin, role, frozen
):
    member = {"therapist": therapist, "supervisor": supervisor, "admin": admin}[role]
    login(member)

    response = client.post(CREATE)

    token = shown_token(response)
    feed = CalendarFeed.objects.get(membership=member)
    assert response.status_code == 200
    assert (feed.token_hash, feed.revoked_at) == (hash_token(token), None)
    assert f'href="webcal://testserver/calendar/{token}.ics"' in response.content.decode()
    assert "Copy it now: it is shown only this once." in response.content.decode()
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.object_id, event.practice) == (
        "calendar_feed.create",
        member.user,
        str(feed.public_id),
        member.practice,
    )
    assert token not in audit_text()
    assert fetch(client, token).status_code == 200


def test_feed_page_later_shows_dates_but_never_the_address(client, login, therapist, frozen):
    login(therapist)
    token = shown_token(client.post(CREATE))
    fetch(client, token)

    response = client.get(PAGE)

    content = response.content.decode()
    assert token not in content
    assert "A feed is active, created on 29 October 2025, 12:00." in content
    assert "Last used 29 October 2025, 12:00." in content
    assert response.context["feed"] == CalendarFeed.objects.get()


def test_feed_page_shows_times_in_the_practice_time_zone(client, login, therapist):
    feed, _ = create_feed(membership=therapist)
    CalendarFeed.objects.filter(pk=feed.pk).update(
        created_at=datetime(2025, 7, 1, 8, 30, tzinfo=UTC), last_used_at=None
    )
    login(therapist)

    content = client.get(PAGE).content.decode()

    assert "A feed is active, created on 1 July 2025, 09:30." in content
    assert "Not used by a calendar app yet." in content


def test_replacing_a_feed_stops_the_old_address_at_once(client, login, therapist, frozen):
    login(therapist)
    old = shown_token(client.post(CREATE))
    before = AuditEvent.objects.count()

    response = client.post(CREATE)

    new = shown_token(response)
    assert "Your previous address has stopped working." in response.content.decode()
    assert (fetch(client, old).status_code, fetch(client, new).status_code) == (404, 200)
    assert CalendarFeed.objects.filter(revoked_at__isnull=True).count() == 1
    assert AuditEvent.objects.count() == before + 1
    assert old not in audit_text()
    assert new not in audit_text()


def test_revoking_a_feed_stops_its_address_and_audits_once(client, login, therapist, frozen):
    login(therapist)
    token = shown_token(client.post(CREATE))
    before = AuditEvent.objects.count()

    response = client.post(REVOKE)

    assert (response.status_code, response["Location"]) == (302, PAGE)
    assert fetch(client, token).status_code == 404
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.get(action="calendar_feed.revoke")
    assert (event.actor, event.changes) == (therapist.user, {"revoked": 1})
    assert token not in audit_text()
    page = client.get(PAGE)
    assert page.context["feed"] is None
    assert "The calendar feed is revoked" in page.content.decode()


def test_revoking_without_a_feed_changes_and_audits_nothing(client, login, therapist):
    login(therapist)

    response = client.post(REVOKE, follow=True)

    assert response.redirect_chain == [(PAGE, 302)]
    assert "There is no active calendar feed to revoke." in response.content.decode()
    assert AuditEvent.objects.count() == 0


def test_feed_page_concerns_only_the_members_own_feed(client, login, therapist, other_therapist):
    create_feed(membership=other_therapist)
    login(therapist)

    page = client.get(PAGE)
    client.post(REVOKE)

    assert page.context["feed"] is None
    assert CalendarFeed.objects.get().revoked_at is None


@pytest.mark.parametrize("url", [CREATE, REVOKE])
def test_feed_actions_refuse_get(client, login, therapist, url):
    login(therapist)

    response = client.get(url)

    assert response.status_code == 405
    assert CalendarFeed.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def _download(client, course):
    return client.get(download_url(course.client))


def test_client_download_matches_the_clients_appointments_exactly(client, login, therapist, frozen):
    course = autumn_course(therapist)
    autumn_course(therapist, client_number="C00043", hour=11)  # another client: not in the file
    login(therapist)

    response = _download(client, course)

    calendar = parse(response.content)
    assert {event_facts(e) for e in calendar.walk("VEVENT")} == {
        appointment_facts(a) for a in Appointment.objects.filter(course=course)
    }
    assert [(row[0], row[2], row[3], row[4]) for row in local_rows(calendar)] == [
        (
            "Tue 07 Oct 2025 14:00",
            "Assessment with Dr Ada Therapist at Northgate Therapies",
            "CONFIRMED",
            0,
        ),
        ("Mon 13 Oct 2025 10:00", THERAPY, "CONFIRMED", 0),
        ("Mon 20 Oct 2025 10:00", THERAPY, "CONFIRMED", 0),
        ("Mon 27 Oct 2025 10:00", THERAPY, "CONFIRMED", 0),
        ("Wed 05 Nov 2025 10:00", THERAPY, "CONFIRMED", 1),
        ("Mon 10 Nov 2025 10:00", THERAPY, "CANCELLED", 1),
        ("Mon 17 Nov 2025 10:00", THERAPY, "CONFIRMED", 0),
        ("Mon 24 Nov 2025 10:00", THERAPY, "CONFIRMED", 0),
        ("Mon 01 Dec 2025 10:00", THERAPY, "CONFIRMED", 0),
    ]


def test_client_download_keeps_ten_oclock_local_across_the_clock_change(
    client, login, therapist, frozen
):
    course = autumn_course(therapist)
    login(therapist)

    events = parse(_download(client, course).content).walk("VEVENT")

    before, after = events[2], events[3]  # Mon 20 Oct (BST) and Mon 27 Oct (GMT)
    assert [(e["DTSTART"].params["TZID"], e["DTSTART"].to_ical()) for e in (before, after)] == [
        ("Europe/London", b"20251020T100000"),
        ("Europe/London", b"20251027T100000"),
    ]
    assert [e.decoded("DTSTART") for e in (before, after)] == [
        datetime(2025, 10, 20, 9, 0, tzinfo=UTC),
        datetime(2025, 10, 27, 10, 0, tzinfo=UTC),
    ]
    assert after.decoded("DTSTART").astimezone(LONDON).hour == 10


def test_client_download_is_an_attachment_with_location_and_contact(
    client, login, therapist, frozen
):
    practice = therapist.practice
    practice.phone = "0113 496 0000"
    practice.email = "hello@northgate.example"
    practice.save(update_fields=["phone", "email"])
    course = autumn_course(therapist)
    login(therapist)

    response = _download(client, course)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="northgate-therapies-appointments-c00042.ics"'
    )
    assert response["Cache-Control"] == "no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    calendar = parse(response.content)
    assert str(calendar["X-WR-CALNAME"]) == "Appointments at Northgate Therapies"
    assert {str(e["LOCATION"]) for e in calendar.walk("VEVENT")} == {
        "1 Example Street, Testtown, TT1 1TT"
    }
    assert {str(e["DESCRIPTION"]) for e in calendar.walk("VEVENT")} == {
        "To change or cancel an appointment, contact Northgate Therapies: "
        "0113 496 0000, hello@northgate.example."
    }
    assert "Unwell" not in response.content.decode()


def test_client_download_for_the_supervisor_of_the_clients_therapist(
    client, login, therapist, supervisor, frozen
):
    course = autumn_course(therapist)
    login(supervisor)

    response = _download(client, course)

    assert len(parse(response.content).walk("VEVENT")) == 9


def test_client_download_of_another_therapists_client_is_not_found(
    client, login, therapist, other_therapist, frozen
):
    theirs = autumn_course(other_therapist)
    login(therapist)

    response = _download(client, theirs)

    assert response.status_code == 404
    event = AuditEvent.objects.get(action="access.denied")
    assert (event.actor, event.object_id) == (therapist.user, str(theirs.client.public_id))


@pytest.mark.parametrize("role", ["admin", "therapist"])
def test_client_download_of_another_practices_client_is_not_found(
    client, login, admin, therapist, foreign_therapist, role, frozen
):
    foreign = autumn_course(foreign_therapist)
    login(admin if role == "admin" else therapist)

    response = _download(client, foreign)

    assert response.status_code == 404
    assert b"BEGIN:VCALENDAR" not in response.content
    assert (
        AuditEvent.objects.filter(
            action="access.denied", object_id=str(foreign.client.public_id)
        ).count()
        == 1
    )


def test_client_download_without_appointments_is_an_empty_calendar(client, login, therapist):
    someone = ClientFactory(practice=therapist.practice, therapist=therapist)
    login(therapist)

    response = client.get(download_url(someone))

    assert response.status_code == 200
    assert parse(response.content).walk("VEVENT") == []


@pytest.mark.parametrize("count", [3, 40])
def test_client_download_query_count_does_not_grow(
    client, login, therapist, count, django_assert_num_queries
):
    course = CourseFactory(
        client=ClientFactory(practice=therapist.practice, therapist=therapist), state="active"
    )
    for day in range(count):
        start = datetime(2025, 9, 1, 9, 0, tzinfo=UTC).replace(
            day=1 + day % 28, month=9 + day // 28
        )
        AppointmentFactory(course=course, starts_at=start, ends_at=start.replace(minute=50))
    login(therapist)
    client.get(PAGE)  # warm the session

    # Session, user, device and membership; the client; the appointments with their
    # therapist and course in one join; the session saved (three with its savepoint).
    with django_assert_num_queries(6):
        response = _download(client, course)

    assert len(parse(response.content).walk("VEVENT")) == count
