import datetime as dt

import pytest

from patternwork.accounts import services as accounts
from patternwork.audit import integrity
from patternwork.audit.models import AuditEvent
from patternwork.clients import services as clients
from patternwork.clients.models import Client
from patternwork.core.models import NightlyRun
from patternwork.interop import retention
from patternwork.messaging import dispatch
from patternwork.treatment import services as treatment
from patternwork.treatment.models import Appointment, Course, SessionNote
from tests.factories import UserFactory

SESSION_DAY = dt.date(2026, 3, 2)  # the first session of the `session` fixture's course


@pytest.fixture
def kept(session, therapist):
    """A client with one attended session and a note, and a portal login."""
    treatment.save_note(
        appointment=session,
        answers={},
        body="Talked about work.",
        expected_version=None,
        actor=therapist,
    )
    client = session.course.client
    # The record was opened at the referral, before the first session.
    Client.objects.filter(pk=client.pk).update(created_at=dt.datetime(2026, 2, 10, tzinfo=dt.UTC))
    client.refresh_from_db()
    client.user = UserFactory(full_name="Jo Login", email="jo.login@example.test")
    client.save(update_fields=["user"])
    return client


def at(frozen, day):
    frozen.move_to(dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC))


def test_a_practice_keeps_records_20_years_after_contact_or_10_after_death(practice):
    assert (practice.retention_years_after_contact, practice.retention_years_after_death) == (
        20,
        10,
    )


def test_retention_ends_20_years_after_the_last_session(kept):
    assert retention.retention(kept) == retention.Retention(
        last_contact=SESSION_DAY, died_on=None, ends_on=dt.date(2046, 3, 2)
    )


def test_retention_ends_10_years_after_death_when_that_is_sooner(kept, admin):
    clients.record_death(client=kept, died_on=dt.date(2027, 5, 1), by=admin)
    kept.refresh_from_db()

    assert retention.retention(kept).ends_on == dt.date(2037, 5, 1)
    assert AuditEvent.objects.get(action="client.death").changes == {
        "died_on": [None, "2027-05-01"]
    }


def test_erasure_inside_the_retention_period_is_refused_and_audited(kept, admin, frozen):
    at(frozen, dt.date(2046, 3, 1))

    with pytest.raises(retention.ErasureRefused, match="must be kept until 02 March 2046"):
        retention.request_erasure(client=kept, by=admin, reason="Client asked")

    event = AuditEvent.objects.get(action="client.erasure_refused")
    assert (event.outcome, event.object_id, event.actor_id) == (
        "denied",
        str(kept.public_id),
        admin.user_id,
    )
    assert event.changes["retention_ends"] == "2046-03-02"
    assert Client.objects.filter(pk=kept.pk).exists()


def test_erasure_is_only_for_an_admin_of_the_practice(kept, therapist, foreign_admin, frozen):
    at(frozen, dt.date(2047, 1, 1))
    for member in (therapist, foreign_admin):
        with pytest.raises(retention.ErasureRefused, match="Only a service admin"):
            retention.request_erasure(client=kept, by=member, reason="")

    assert Client.objects.filter(pk=kept.pk).exists()


def test_erasure_after_the_period_purges_at_once(kept, admin, frozen):
    at(frozen, dt.date(2046, 3, 2))

    counts = retention.request_erasure(client=kept, by=admin, reason="Client asked")

    assert counts["clients.Client"] == 1
    assert not Client.objects.filter(pk=kept.pk).exists()


def test_the_nightly_purge_removes_a_record_past_retention_and_leaves_a_stub(
    kept, therapist, frozen
):
    public_id, login = str(kept.public_id), kept.user
    course = kept.courses.get()
    at(frozen, dt.date(2046, 3, 1))
    dispatch.tick()
    assert Client.objects.filter(pk=kept.pk).exists()  # one day early: kept

    trail = set(AuditEvent.objects.values_list("pk", flat=True))
    at(frozen, dt.date(2046, 3, 2))
    dispatch.tick()

    assert not Client.objects.filter(pk=kept.pk).exists()
    assert not Course.objects.filter(pk=course.pk).exists()
    assert not Appointment.objects.filter(course_id=course.pk).exists()
    assert not SessionNote.objects.filter(appointment__course_id=course.pk).exists()
    stub = AuditEvent.objects.get(action="client.purge")
    assert (stub.object_id, stub.actor_label, stub.practice_id) == (
        public_id,
        "retention purge",
        therapist.practice_id,
    )
    assert stub.changes["retention_ended"] == "2046-03-02"
    assert stub.changes["rows"]["treatment.SessionNote"] == 1
    login.refresh_from_db()
    assert (login.email, login.full_name, login.is_active) == (
        f"erased-{login.pk}@erased.invalid",
        "",
        False,
    )
    # The audit trail about the record stays, and its chain still verifies.
    assert trail < set(AuditEvent.objects.values_list("pk", flat=True))
    assert [r.broken for r in integrity.verify_chains() if r.broken] == []


def test_nightly_jobs_are_claimed_once_a_day(practice, frozen):
    dispatch.tick()
    dispatch.tick()
    frozen.shift(dt.timedelta(days=1))
    dispatch.tick()

    assert sorted(NightlyRun.objects.values_list("job", flat=True)) == [
        "audit.anchor",
        "audit.anchor",
        "recordings.retention",
        "recordings.retention",
        "retention.purge",
        "retention.purge",
    ]


def test_a_practice_sets_its_own_retention_and_it_is_audited(kept, admin):
    accounts.set_retention(
        practice=admin.practice, years_after_contact=8, years_after_death=8, by=admin
    )
    kept.refresh_from_db()

    assert retention.retention(kept).ends_on == dt.date(2034, 3, 2)
    assert AuditEvent.objects.get(action="practice.retention").changes == {
        "retention_years_after_contact": [20, 8],
        "retention_years_after_death": [10, 8],
    }
