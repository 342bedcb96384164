"""Client intake and reassignment go through the treatment services' scheduling rules."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from patternwork.audit.models import AuditEvent
from patternwork.measures.models import OutcomeSummary
from patternwork.treatment.models import Appointment, Course
from patternwork.treatment.services import intake
from tests.factories import AppointmentFactory, ClientFactory, CourseFactory, ReferralFactory


def _booked_future(course):
    return list(
        course.appointments.filter(
            status=Appointment.Status.BOOKED,
            starts_at__gt=dt.datetime(2026, 4, 1, 11, 0, tzinfo=dt.UTC),
        ).order_by("starts_at")
    )


def test_reassign_moves_the_course_and_its_future_sessions_with_higher_sequence(
    started, therapist, other_therapist, admin
):
    before = {a.pk: a.sequence for a in _booked_future(started)}

    intake.assign_therapist(client=started.client, therapist=other_therapist, assigned_by=admin)

    started.refresh_from_db()
    moved = _booked_future(started)
    assert started.therapist == other_therapist
    assert {a.therapist_id for a in moved} == {other_therapist.pk}
    assert {a.pk: a.sequence for a in moved} == {pk: seq + 1 for pk, seq in before.items()}
    # Past appointments stay with the therapist who held them.
    past = started.appointments.exclude(pk__in=before)
    assert {a.therapist_id for a in past} == {therapist.pk}


def test_reassign_writes_one_audit_event(started, other_therapist, admin):
    before = AuditEvent.objects.count()

    intake.assign_therapist(client=started.client, therapist=other_therapist, assigned_by=admin)

    events = list(AuditEvent.objects.order_by("id")[before:])
    assert [e.action for e in events] == ["client.assign_therapist"]
    assert events[0].changes["appointments_moved"] == len(_booked_future(started))
    assert events[0].changes["course"] == str(started.public_id)


def test_reassign_refuses_a_double_booking_and_changes_nothing(
    started, therapist, other_therapist, admin
):
    clash_with = _booked_future(started)[2]
    other_client = ClientFactory(practice=other_therapist.practice, therapist=other_therapist)
    other_course = CourseFactory(client=other_client, therapist=other_therapist)
    AppointmentFactory(
        course=other_course,
        therapist=other_therapist,
        starts_at=clash_with.starts_at + dt.timedelta(minutes=20),
        ends_at=clash_with.ends_at + dt.timedelta(minutes=20),
    )
    events = AuditEvent.objects.count()
    sequences = {a.pk: a.sequence for a in started.appointments.all()}

    with pytest.raises(intake.ReassignmentClash) as refused:
        intake.assign_therapist(client=started.client, therapist=other_therapist, assigned_by=admin)

    assert refused.value.appointments == [clash_with]
    assert refused.value.messages[0] == intake.REASSIGN_CLASHES.format(
        therapist="Dr Ben Colleague", count=1
    )
    assert f"the appointment of {other_client.display_name}" in refused.value.messages[1]
    started.refresh_from_db()
    started.client.refresh_from_db()
    assert (started.therapist, started.client.therapist) == (therapist, therapist)
    assert {a.pk: a.sequence for a in started.appointments.all()} == sequences
    assert set(Appointment.objects.filter(course=started).values_list("therapist", flat=True)) == {
        therapist.pk
    }
    assert AuditEvent.objects.count() == events


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no row locks")
def test_reassign_takes_the_course_lock(started, other_therapist, admin):
    with CaptureQueriesContext(connection) as queries:
        intake.assign_therapist(client=started.client, therapist=other_therapist, assigned_by=admin)
    locks = [q["sql"] for q in queries if "FOR UPDATE" in q["sql"]]
    assert any('FROM "treatment_course"' in sql for sql in locks)


def test_reassign_keeps_the_outcome_summary_on_the_new_therapist(started, other_therapist, admin):
    intake.assign_therapist(client=started.client, therapist=other_therapist, assigned_by=admin)

    assert OutcomeSummary.objects.get(course=started).therapist_id == (other_therapist.pk)


def test_assign_without_an_open_course_opens_one(therapist, other_therapist, admin, frozen):
    client = ClientFactory(practice=therapist.practice, therapist=therapist)

    intake.assign_therapist(client=client, therapist=other_therapist, assigned_by=admin)

    [course] = client.courses.all()
    assert (course.therapist, course.state) == (other_therapist, Course.State.REFERRED)


def test_accept_referral_creates_the_client_and_course_with_one_event(therapist, admin):
    referral = ReferralFactory(practice=therapist.practice, full_name="Kit Example")
    before = AuditEvent.objects.count()

    client = intake.accept_referral(
        referral=referral,
        therapist=therapist,
        client_data={"date_of_birth": dt.date(1990, 5, 17)},
        by=admin,
    )

    referral.refresh_from_db()
    [course] = client.courses.all()
    assert (client.full_name, client.therapist, course.referral) == (
        "Kit Example",
        therapist,
        referral,
    )
    assert (referral.status, referral.client) == ("accepted", client)
    assert list(AuditEvent.objects.order_by("id")[before:].values_list("action", flat=True)) == [
        "referral.accepted"
    ]
