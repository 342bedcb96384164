"""The course in the staff UI, step by step as a therapist runs it."""

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from patternwork.accounts.models import ClosureDay
from patternwork.audit.models import AuditEvent
from patternwork.treatment import plan
from patternwork.treatment.models import Appointment, Course, SessionNote
from tests.factories import ClientFactory, CourseFactory, ReferralFactory

pytestmark = pytest.mark.usefixtures("frozen")

LONDON = ZoneInfo("Europe/London")
NOW = dt.datetime(2026, 4, 15, 12, 0, tzinfo=LONDON)


@pytest.fixture
def course(therapist):
    client = ClientFactory(practice=therapist.practice, therapist=therapist, full_name="Jo Bloggs")
    return CourseFactory(client=client)


@pytest.fixture
def closure(practice):
    return ClosureDay.objects.create(
        practice=practice, date=dt.date(2026, 4, 6), label="Easter Monday"
    )


def start(client, course, **overrides):
    data = {
        "planned_sessions": 16,
        "cadence": "weekly",
        "session_minutes": 50,
        "start_date": "2026-03-02",
        "start_time": "10:00",
    } | overrides
    return client.post(reverse("clinic:course-start", args=[course.public_id]), data)


def appointments(course):
    return list(course.appointments.order_by("starts_at"))


def page(client, course):
    return client.get(reverse("clinic:course-detail", args=[course.public_id]))


def post(client, name, appointment, data=None):
    return client.post(reverse(name, args=[appointment.public_id]), data or {})


def audit_count():
    return AuditEvent.objects.count()


@pytest.fixture
def started(client, login, therapist, course, closure):
    login(therapist)
    response = start(client, course)
    assert response.status_code == 302
    return course


def test_start_books_sixteen_weekly_fifty_minute_sessions_skipping_the_closure(started):
    booked = appointments(started)
    days = [a.starts_at.astimezone(LONDON).date() for a in booked]

    assert len(booked) == 16
    assert dt.date(2026, 4, 6) not in days
    assert days[4:6] == [dt.date(2026, 3, 30), dt.date(2026, 4, 13)]
    assert all(
        (b - a) % dt.timedelta(days=7) == dt.timedelta(0) for a, b in itertools.pairwise(days)
    )
    assert {a.duration_minutes for a in booked} == {50}
    assert {a.starts_at.astimezone(LONDON).time() for a in booked} == {dt.time(10, 0)}
    assert AuditEvent.objects.filter(action="course.start").count() == 1


def test_start_shows_plan_errors_and_keeps_the_input(client, login, therapist, course):
    login(therapist)

    response = start(client, course, planned_sessions=40, session_minutes=10)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"planned_sessions", "session_minutes"}
    assert b'value="2026-03-02"' in response.content
    assert appointments(course) == []


def test_first_four_attended_show_the_initial_phase(client, started):
    for appointment in appointments(started)[:4]:
        before = audit_count()
        post(client, "clinic:appointment-attended", appointment)
        assert audit_count() == before + 1

    response = page(client, started)

    assert (response.context["view"].attended, response.context["view"].phase) == (4, "initial")
    assert "Session 4 of 16" in response.content.decode()


def test_fifth_attended_moves_to_the_middle_phase(client, started):
    for appointment in appointments(started)[:5]:
        post(client, "clinic:appointment-attended", appointment)

    view = page(client, started).context["view"]

    assert (view.attended, view.phase) == (5, "middle")


def test_did_not_attend_keeps_n_and_reprojects_the_end(client, started):
    for appointment in appointments(started)[:5]:
        post(client, "clinic:appointment-attended", appointment)
    before = page(client, started).context["view"].projection

    post(client, "clinic:appointment-dna", appointments(started)[5])

    response = page(client, started)
    view = response.context["view"]
    assert view.attended == 5
    assert view.projection.end_date == before.end_date + dt.timedelta(days=7)
    assert view.projection.shortfall == 1
    assert "Add a replacement on" in response.content.decode()


def test_replacement_is_offered_and_booked_at_the_end(client, started):
    post(client, "clinic:appointment-dna", appointments(started)[0])
    last = appointments(started)[-1]

    response = client.post(reverse("clinic:course-replacement", args=[started.public_id]))

    added = appointments(started)[-1]
    assert response.status_code == 302
    assert added.starts_at - last.starts_at == dt.timedelta(days=7)
    assert page(client, started).context["view"].projection.shortfall == 0


def test_change_plan_to_twenty_gives_the_new_phases(client, started):
    for appointment in appointments(started)[:5]:
        post(client, "clinic:appointment-attended", appointment)
    started.refresh_from_db()
    past = [(a.pk, a.starts_at, a.status) for a in appointments(started) if a.starts_at < NOW]

    response = client.post(
        reverse("clinic:course-plan", args=[started.public_id]),
        {
            "planned_sessions": 20,
            "cadence": "weekly",
            "session_minutes": 50,
            "start_time": "10:00",
            "version": started.version,
        },
    )

    assert response.status_code == 302
    view = page(client, started).context["view"]
    bounds = view.bounds
    assert (bounds.initial.first, bounds.initial.last) == (1, 5)
    assert (bounds.middle.first, bounds.middle.last) == (6, 15)
    assert (bounds.ending.first, bounds.ending.last) == (16, 20)
    assert view.phase == "initial"  # session 5 of 20 is still initial
    assert len([a for a in appointments(started) if a.kind == "treatment"]) == 20
    assert [
        (a.pk, a.starts_at, a.status) for a in appointments(started) if a.starts_at < NOW
    ] == past
    assert AuditEvent.objects.filter(action="course.plan_change").count() == 1


def test_change_plan_with_a_stale_form_is_a_conflict_and_keeps_the_input(client, started):
    url = reverse("clinic:course-plan", args=[started.public_id])
    data = {
        "planned_sessions": 18,
        "cadence": "weekly",
        "session_minutes": 50,
        "start_time": "10:00",
        "version": 1,
    }

    response = client.post(url, data)

    assert response.status_code == 409
    assert b'value="18"' in response.content
    assert Course.objects.get(pk=started.pk).planned_sessions == 16


def test_end_course_asks_for_a_reason(client, started):
    url = reverse("clinic:course-end", args=[started.public_id])

    refused = client.post(url, {"reason": ""})
    ended = client.post(url, {"reason": "completed", "note": "Planned ending."})

    assert refused.status_code == 400
    assert refused.context["form"].errors["reason"]
    assert ended.status_code == 302
    started.refresh_from_db()
    assert (started.state, started.end_reason) == ("ended", "completed")
    assert "Ended" in page(client, started).content.decode()


def test_cancel_needs_who_and_why(client, started):
    appointment = appointments(started)[8]

    refused = post(client, "clinic:appointment-cancel", appointment, {"by": "client", "reason": ""})
    done = post(
        client,
        "clinic:appointment-cancel",
        appointment,
        {"by": "therapist", "reason": "Therapist unwell"},
    )

    assert refused.status_code == 400
    appointment.refresh_from_db()
    assert done.status_code == 302
    assert (appointment.status, appointment.status_reason) == (
        "cancelled_therapist",
        "Therapist unwell",
    )


def test_move_this_and_following(client, started):
    appointment = appointments(started)[8]

    response = post(
        client,
        "clinic:appointment-move",
        appointment,
        {"date": "2026-05-06", "time": "15:00", "scope": "following"},
    )

    moved = appointments(started)[8:]
    assert response.status_code == 302
    assert {
        (a.starts_at.astimezone(LONDON).weekday(), a.starts_at.astimezone(LONDON).hour)
        for a in moved
    } == {(2, 15)}
    assert {a.sequence for a in moved} == {1}


def test_move_onto_a_closure_is_refused_with_a_message(client, started, practice):
    ClosureDay.objects.create(practice=practice, date=dt.date(2026, 5, 4), label="May Day")

    response = post(
        client,
        "clinic:appointment-move",
        appointments(started)[8],
        {"date": "2026-05-04", "time": "12:00", "scope": "single"},
    )

    assert response.status_code == 400
    assert "May Day" in response.content.decode()


def test_attendance_in_the_future_is_refused_with_a_message(client, started):
    response = post(client, "clinic:appointment-attended", appointments(started)[10])

    assert response.status_code == 302
    assert Appointment.objects.get(pk=appointments(started)[10].pk).status == "booked"
    follow = client.get(response["Location"])
    assert "once it has started" in follow.content.decode()


def test_session_note_phase_prompts_save_sign_amend(client, started):
    first = appointments(started)[0]
    post(client, "clinic:appointment-attended", first)
    session = client.get(reverse("clinic:appointment-detail", args=[first.public_id]))
    assert "Relationships explored" in session.content.decode()

    saved = post(
        client,
        "clinic:note-save",
        first,
        {"prompt_relationships": "Mother and sister", "body": "First meeting."},
    )
    signed = post(client, "clinic:note-sign", first, {"version": "1"})
    refused = post(client, "clinic:note-save", first, {"body": "Rewritten", "version": "1"})
    amended = post(client, "clinic:note-amend", first, {"body": "Sister is older."})

    note = SessionNote.objects.get()
    assert (saved.status_code, signed.status_code, amended.status_code) == (302, 302, 302)
    assert refused.status_code == 400
    assert (note.body, note.is_signed, note.amendments.count()) == ("First meeting.", True, 1)


def test_session_note_conflict_keeps_the_second_writers_text(client, started):
    first = appointments(started)[0]
    post(client, "clinic:appointment-attended", first)
    post(client, "clinic:note-save", first, {"body": "Saved by the first person."})
    post(client, "clinic:note-save", first, {"body": "First person again.", "version": "1"})

    response = post(
        client, "clinic:note-save", first, {"body": "Second person's careful text.", "version": "1"}
    )

    assert response.status_code == 409
    assert "Second person&#x27;s careful text." in response.content.decode()
    assert "Someone else saved this" in response.content.decode()
    assert SessionNote.objects.get().body == "First person again."


def test_course_page_query_count_does_not_grow_with_sessions(
    client, started, django_assert_num_queries
):
    for appointment in appointments(started)[:2]:
        post(client, "clinic:appointment-attended", appointment)
    page(client, started)
    with django_assert_num_queries(18) as few:
        page(client, started)
    baseline = len(few)
    for appointment in appointments(started)[2:6]:
        post(client, "clinic:appointment-attended", appointment)

    with django_assert_num_queries(baseline):
        page(client, started)


def test_identity_banner_is_on_every_client_page(client, started):
    first = appointments(started)[0]
    urls = [
        reverse("clinic:course-detail", args=[started.public_id]),
        reverse("clinic:course-plan", args=[started.public_id]),
        reverse("clinic:course-end", args=[started.public_id]),
        reverse("clinic:appointment-detail", args=[first.public_id]),
        reverse("clinic:client-detail", args=[started.client.public_id]),
        reverse("clinic:client-edit", args=[started.client.public_id]),
    ]
    for url in urls:
        html = client.get(url).content.decode()
        assert 'class="identity"' in html, url
        for fact in ("Jo Bloggs", "17 May 1990", started.client.client_number):
            assert fact in html, url


def test_supervisor_reads_but_admin_does_not_read_notes_by_default(
    client, started, supervisor, admin, login
):
    first = appointments(started)[0]
    post(client, "clinic:appointment-attended", first)
    post(client, "clinic:note-save", first, {"body": "NOTE-TEXT-FOR-ACCESS"})

    login(supervisor)
    supervisor_view = client.get(reverse("clinic:appointment-detail", args=[first.public_id]))
    login(admin)
    admin_view = client.get(reverse("clinic:appointment-detail", args=[first.public_id]))
    admin_write = post(client, "clinic:note-save", first, {"body": "admin text", "version": "1"})

    assert "NOTE-TEXT-FOR-ACCESS" in supervisor_view.content.decode()
    assert admin_view.status_code == 200
    assert "NOTE-TEXT-FOR-ACCESS" not in admin_view.content.decode()
    assert admin_write.status_code == 404


def test_timeline_shows_expected_numbers_and_phases_for_booked_sessions(client, started):
    post(client, "clinic:appointment-attended", appointments(started)[0])
    post(client, "clinic:appointment-dna", appointments(started)[1])

    timeline = page(client, started).context["view"].timeline

    assert [(i.appointment.session_number, i.expected_number) for i in timeline[:4]] == [
        (1, None),
        (None, None),
        (None, 2),
        (None, 3),
    ]
    # One missed session: the last booked one would be session 15, one short of the plan.
    assert [i.phase for i in timeline[-4:]] == ["middle", "ending", "ending", "ending"]
    assert timeline[-1].expected_number == 15


# Dates: the start and session dates follow the referral; the past has its own path


def past_session(client, course, **overrides):
    data = {
        "date": "2026-03-05",
        "time": "15:00",
        "minutes": "50",
        "kind": "treatment",
        "status": "attended",
    } | overrides
    return client.post(reverse("clinic:course-record-past", args=[course.public_id]), data)


def test_start_before_the_referral_is_shown_beside_the_start_date(client, login, therapist, course):
    course.referral = ReferralFactory(
        practice=course.practice, received_at=dt.datetime(2026, 3, 4, 9, 0, tzinfo=LONDON)
    )
    course.save(update_fields=["referral"])
    login(therapist)

    response = start(client, course)

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors == {
        "start_date": [plan.START_BEFORE_REFERRAL.format(referral="4 March 2026")]
    }
    assert form["start_date"].value() == "2026-03-02"
    assert not course.appointments.exists()


def test_moving_into_the_past_shows_the_way_to_record_a_past_session(client, started):
    response = post(
        client,
        "clinic:appointment-move",
        appointments(started)[8],
        {"date": "2026-04-14", "time": "10:00", "scope": "single"},
    )

    assert response.status_code == 400
    assert response.context["move_form"].errors == {"date": [plan.BOOKING_IN_PAST]}
    assert reverse("clinic:course-record-past", args=[started.public_id]) in (
        response.content.decode()
    )
    assert appointments(started)[8].starts_at.astimezone(LONDON).date() == dt.date(2026, 5, 4)


def test_course_page_links_to_record_a_past_session(client, started):
    html = page(client, started).content.decode()

    assert reverse("clinic:course-record-past", args=[started.public_id]) in html
    assert "Record a past session" in html


def test_record_a_past_session_page_offers_the_course_length_and_time(client, started):
    response = client.get(reverse("clinic:course-record-past", args=[started.public_id]))

    assert response.status_code == 200
    form = response.context["form"]
    assert (form["minutes"].value(), form["time"].value()) == (50, dt.time(10, 0))
    assert "Record a past session" in response.content.decode()


def test_recording_a_past_session_books_it_attended_and_audits_it(client, started):
    post(client, "clinic:appointment-attended", appointments(started)[0])
    post(client, "clinic:appointment-attended", appointments(started)[1])

    response = past_session(client, started)

    recorded = Appointment.objects.get(course=started, starts_at__date=dt.date(2026, 3, 5))
    assert response.status_code == 302
    assert response["Location"] == reverse("clinic:appointment-detail", args=[recorded.public_id])
    assert (recorded.status, recorded.session_number) == ("attended", 2)
    assert recorded.starts_at == dt.datetime(2026, 3, 5, 15, 0, tzinfo=LONDON)
    assert [a.session_number for a in appointments(started) if a.status == "attended"] == [1, 2, 3]
    assert AuditEvent.objects.filter(action="appointment.record_past").count() == 1


def test_a_past_session_in_the_future_is_refused_on_the_form(client, started):
    response = past_session(client, started, date="2026-04-15", time="12:30", status="dna")

    assert response.status_code == 400
    assert response.context["form"].errors == {"date": [plan.PAST_SESSION_IN_FUTURE]}
    assert response.context["form"]["status"].value() == "dna"
    assert not Appointment.objects.filter(course=started, status="dna").exists()


def test_a_past_session_before_the_referral_is_refused_on_the_form(client, started):
    started.referral = ReferralFactory(
        practice=started.practice, received_at=dt.datetime(2026, 3, 1, 9, 0, tzinfo=LONDON)
    )
    started.save(update_fields=["referral"])

    response = past_session(client, started, date="2026-02-27")

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "date": [plan.SESSION_BEFORE_REFERRAL.format(referral="1 March 2026")]
    }


def test_a_past_session_with_bad_input_keeps_what_was_typed(client, started):
    response = past_session(client, started, date="not a date", minutes="50")

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["date"]
    assert response.context["form"]["minutes"].value() == "50"


def test_a_past_session_of_another_therapists_client_is_not_found(
    client, login, started, other_therapist
):
    login(other_therapist)

    response = past_session(client, started)
    page_response = client.get(reverse("clinic:course-record-past", args=[started.public_id]))

    assert (response.status_code, page_response.status_code) == (404, 404)
    assert not AuditEvent.objects.filter(action="appointment.record_past").exists()
