"""A course as one path through the real pages: self-referral to ending."""

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine
from django.urls import reverse

from patternwork.accounts.models import ClosureDay
from patternwork.audit.models import AuditEvent
from patternwork.clients.models import Client, Referral
from tests.referrals import answers, page_url

LONDON = ZoneInfo("Europe/London")


def test_self_referral_to_ended_course(client, login, admin, therapist, practice):
    ClosureDay.objects.create(practice=practice, date=dt.date(2026, 4, 6), label="Easter Monday")
    with time_machine.travel(dt.datetime(2026, 2, 20, 9, 0, tzinfo=LONDON), tick=False):
        assert client.post(page_url(practice), answers(practice)).status_code == 302
    referral = Referral.objects.get()
    assert referral.status == "new"

    with time_machine.travel(dt.datetime(2026, 5, 20, 12, 0, tzinfo=LONDON), tick=False):
        # Triage (an admin, by default) accepts the referral for the therapist.
        login(admin)
        events = AuditEvent.objects.count
        before = events()
        accepted = client.post(
            reverse("clinic:referral-accept", args=[referral.public_id]),
            {"therapist": therapist.public_id},
        )
        assert events() == before + 1
        person = Client.objects.get()
        assert accepted["Location"] == reverse("clinic:client-detail", args=[person.public_id])
        course = person.courses.get()
        login(therapist)

        before = events()
        client.post(
            reverse("clinic:course-start", args=[course.public_id]),
            {
                "planned_sessions": 16,
                "cadence": "weekly",
                "session_minutes": 50,
                "start_date": "2026-03-02",
                "start_time": "10:00",
            },
        )
        assert events() == before + 1
        booked = list(course.appointments.order_by("starts_at"))
        days = [a.starts_at.astimezone(LONDON).date() for a in booked]
        assert len(booked) == 16
        assert dt.date(2026, 4, 6) not in days
        assert {a.duration_minutes for a in booked} == {50}

        def view():
            return client.get(reverse("clinic:course-detail", args=[course.public_id])).context[
                "view"
            ]

        for appointment in booked[:4]:
            client.post(reverse("clinic:appointment-attended", args=[appointment.public_id]))
        assert (view().attended, view().phase) == (4, "initial")
        client.post(reverse("clinic:appointment-attended", args=[booked[4].public_id]))
        assert (view().attended, view().phase) == (5, "middle")

        end_before = view().projection.end_date
        client.post(reverse("clinic:appointment-dna", args=[booked[5].public_id]))
        assert view().attended == 5
        assert view().projection.end_date == end_before + dt.timedelta(days=7)

        course.refresh_from_db()
        before = events()
        client.post(
            reverse("clinic:course-plan", args=[course.public_id]),
            {
                "planned_sessions": 20,
                "cadence": "weekly",
                "session_minutes": 50,
                "start_time": "10:00",
                "version": course.version,
            },
        )
        assert events() == before + 1
        bounds = view().bounds
        assert [(b.first, b.last) for b in (bounds.initial, bounds.middle, bounds.ending)] == [
            (1, 5),
            (6, 15),
            (16, 20),
        ]

        before = events()
        client.post(
            reverse("clinic:course-end", args=[course.public_id]),
            {"reason": "dropped_out", "note": "Moved away."},
        )
        assert events() == before + 1
        course.refresh_from_db()
        assert (course.state, course.end_reason) == ("ended", "dropped_out")
