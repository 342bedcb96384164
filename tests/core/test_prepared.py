"""Prepared reads: the ORM's SQL built once, run with each call's arguments."""

import uuid
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.db.models import Count, F
from django.db.transaction import TransactionManagementError
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from patternwork.accounts.models import Membership, TOTPDevice
from patternwork.audit.models import AuditEvent
from patternwork.core.prepared import (
    _SLOW,
    KeptStatements,
    PreparedRead,
    PreparedShapes,
    PreparedUpdate,
    _shortcut,
    field_names,
    instances,
    plain_batch_size,
)
from patternwork.core.sessions import SessionStore
from patternwork.measures.models import OutcomeSummary, Response, TrackFlag
from patternwork.treatment import scheduling
from patternwork.treatment.models import Appointment, Course
from tests.factories import TOTPDeviceFactory


def test_a_prepared_read_gives_the_rows_the_orm_gives(started):
    by_course = PreparedRead(
        lambda course_id: (
            Appointment.objects.filter(course_id=course_id)
            .order_by("starts_at", "id")
            .values_list("id", "status", "starts_at")
        ),
        int,
    )
    expected = list(
        Appointment.objects.filter(course=started)
        .order_by("starts_at", "id")
        .values_list("id", "status", "starts_at")
    )

    assert by_course(started.pk) == expected  # compiled on this call
    assert by_course(started.pk) == expected  # run from the kept SQL
    assert by_course(started.pk + 1000) == []
    assert expected[0][2].tzinfo is not None  # converted as the ORM converts


@pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="SQLite's quick time conversion; PostgreSQL's driver converts times by loaders "
    "set when its connection opens",
)
def test_a_prepared_read_converts_times_as_the_orm_does_with_and_without_time_zones(started):
    # The quick SQLite conversion keys on the connection's zone, which Django clears when
    # USE_TZ changes: naive times when it is off, aware ones in the connection's zone when on.
    def read():
        return PreparedRead(
            lambda course_id: (
                Appointment.objects.filter(course_id=course_id)
                .order_by("starts_at", "id")
                .values_list("starts_at")
            ),
            int,
        )

    for use_tz in (False, True):
        with override_settings(USE_TZ=use_tz):
            expected = list(
                Appointment.objects.filter(course=started)
                .order_by("starts_at", "id")
                .values_list("starts_at")
            )
            assert read()(started.pk) == expected
            assert all((time.tzinfo is None) is (not use_tz) for (time,) in expected)


def test_prepared_rows_make_the_same_instances(started):
    read = PreparedRead(
        lambda pk: Appointment.objects.filter(pk=pk).values_list(*field_names(Appointment)), int
    )
    first = started.appointments.order_by("starts_at").first()

    (made,) = instances(Appointment, read(first.pk))

    assert made.pk == first.pk
    assert made._state.adding is False
    assert {f.attname: getattr(made, f.attname) for f in Appointment._meta.concrete_fields} == {
        f.attname: getattr(first, f.attname) for f in Appointment._meta.concrete_fields
    }


def test_an_argument_used_twice_fills_both_of_its_parameters(started):
    twice = PreparedRead(
        lambda pk: Course.objects.filter(pk=pk, client__courses__pk=pk).values_list("id"), int
    )

    assert twice(started.pk) == [(started.pk,)]
    assert twice(started.pk + 1000) == []


def test_an_argument_the_sql_changes_is_refused(started):
    # icontains wraps the text in wildcards: the placeholder is no parameter as it is.
    changed = PreparedRead(
        lambda text: Course.objects.filter(client__full_name__icontains=text).values_list("id"),
        str,
    )

    with pytest.raises(ValueError, match="no parameter"):
        changed("Ann")


def test_a_read_that_matches_nothing_by_its_shape_runs_no_statement(db):
    nothing = PreparedRead(lambda: Course.objects.filter(pk__in=[]).values_list("pk"))
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert nothing() == []
            assert nothing.rows() == []
        assert len(queries) == 0


def test_prepared_shapes_make_one_read_per_shape_and_run_each_with_its_values(started):
    made = []

    def make(count):
        made.append(count)
        return PreparedRead(
            lambda *ids: Course.objects.filter(pk__in=ids).values_list("pk"), *[int] * count
        )

    shapes = PreparedShapes(make)
    course = started

    assert shapes[1](course.pk) == [(course.pk,)]
    assert shapes[1](course.pk + 1000) == []
    assert shapes[2](course.pk, course.pk + 1000) == [(course.pk,)]
    assert shapes[1] is shapes[1]
    assert made == [1, 2]
    assert len(shapes) == 2


def test_the_locked_course_is_the_course_the_orm_reads(started, django_assert_num_queries):
    with django_assert_num_queries(1):
        locked = scheduling.lock_course(started.pk, dates=True)
        # Its practice, client and referral date come with it.
        practice, client = locked.practice, locked.client
        received = getattr(locked, scheduling.REFERRAL_RECEIVED_AT)

    orm = Course.objects.select_related("practice", "client", "referral").get(pk=started.pk)
    for model, mine, theirs in (
        (Course, locked, orm),
        (type(practice), practice, orm.practice),
        (type(client), client, orm.client),
    ):
        names = field_names(model)
        assert [getattr(mine, n) for n in names] == [getattr(theirs, n) for n in names]
    assert received == (orm.referral.received_at if orm.referral else None)
    with pytest.raises(Course.DoesNotExist):
        scheduling.lock_course(started.pk + 1000)


def test_a_prepared_update_sets_its_columns_as_update_does(started):
    first, second = started.appointments.order_by("starts_at")[:2]
    moved = PreparedUpdate(Appointment, ("status", "status_reason"), "id")

    assert moved(first.pk, {"status": "dna", "status_reason": "Unwell"}) == 1
    with pytest.raises(ValueError, match="expected values"):
        moved(second.pk, {"status": "dna"})

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.status_reason) == ("dna", "Unwell")
    assert second.status == "booked"


def test_a_locking_read_outside_a_transaction_is_refused(db, monkeypatch):
    locked = PreparedRead(
        lambda pk: Course.objects.select_for_update().filter(pk=pk).values_list("id"), int
    )
    assert locked(0) == []  # compiled and run inside the test's transaction

    # Outside one (without paying for a test that commits), as the ORM refuses it.
    monkeypatch.setattr(connection, "get_autocommit", lambda: True)
    with pytest.raises(TransactionManagementError):
        locked(0)


# Model rows (`rows()`): the floor every request reads this way.


def _fields(obj):
    return {k: v for k, v in obj.__dict__.items() if k != "_state"}


@pytest.mark.django_db
def test_model_rows_match_the_querysets_own_with_related_rows(therapist, other_therapist):
    query = PreparedRead(
        lambda user_id: (
            Membership.objects.filter(user_id=user_id).select_related("practice").order_by("pk")
        ),
        int,
    )

    for member in (therapist, other_therapist):
        (found,) = query.rows(member.user_id)
        (expected,) = Membership.objects.filter(user_id=member.user_id).select_related("practice")
        assert _fields(found) == _fields(expected)
        assert _fields(found.practice) == _fields(expected.practice)
        assert not found._state.adding
        assert found._state.db == "default"
    assert query.rows(-5) == []


def test_model_rows_carry_annotations_and_take_a_public_id(started):
    query = PreparedRead(
        lambda practice_id, public_id: (
            Course.objects.filter(practice_id=practice_id, public_id=public_id)
            .select_related("client")
            .annotate(booked=Count("appointments"), client_key=F("client__public_id"))
        ),
        int,
        uuid.UUID,
    )
    expected = (
        Course.objects.filter(pk=started.pk)
        .select_related("client")
        .annotate(booked=Count("appointments"), client_key=F("client__public_id"))
        .get()
    )

    # The public id as a UUID or as its text: the ORM's filter takes both.
    for public_id in (started.public_id, str(started.public_id)):
        (found,) = query.rows(started.practice_id, public_id)
        assert _fields(found) == _fields(expected)
        assert (found.booked, found.client_key) == (expected.booked, started.client.public_id)
        assert _fields(found.client) == _fields(expected.client)
    assert query.rows(started.practice_id, uuid.uuid4()) == []
    assert query.rows(-5, started.public_id) == []


def test_deferred_fields_load_when_read(therapist, django_assert_num_queries):
    device = TOTPDeviceFactory(user=therapist.user, name="Phone")
    query = PreparedRead(lambda pk: TOTPDevice.objects.filter(pk=pk).only("id", "confirmed"), int)

    with django_assert_num_queries(1):
        (found,) = query.rows(device.pk)
        assert (found.pk, found.confirmed) == (device.pk, True)
    with django_assert_num_queries(1):
        assert found.name == "Phone"


def test_a_placeholder_missing_from_a_model_read_is_refused(db):
    query = PreparedRead(lambda pk: TOTPDevice.objects.filter(pk=3), int)

    with pytest.raises(ValueError, match="placeholder"):
        query.rows(3)


def test_the_session_store_reads_a_live_session_and_no_expired_one(db):
    live = SessionStore()
    live["who"] = "someone"
    live.create()
    assert SessionStore(live.session_key).load() == {"who": "someone"}

    Session.objects.filter(pk=live.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    expired = SessionStore(live.session_key)
    assert expired.load() == {}
    assert expired.session_key is None
    assert SessionStore("nosuchsessionkey").load() == {}


def test_a_kept_statement_runs_again_and_sees_new_rows(started):
    kept = KeptStatements(size=1)

    def build():
        return (
            Appointment.objects.filter(course=started)
            .order_by()
            .values("course_id")
            .annotate(booked=Count("pk"))
            .values_list("booked")
        )

    names, (booked,) = kept.fetchone(("booked", started.pk), build)
    assert (names, booked) == (["booked"], started.appointments.count())
    Appointment.objects.filter(course=started).first().delete()
    # Kept, not built again: the same SQL, run anew, counts what is there now.
    assert kept.fetchone(("booked", started.pk), lambda: pytest.fail("built twice")) == (
        ["booked"],
        (booked - 1,),
    )
    # A key that cannot be hashed is built for its call alone.
    assert kept.fetchone([started.pk], build)[1] == (booked - 1,)


def test_a_kept_statement_gives_all_its_rows(started):
    kept = KeptStatements()

    def build():
        return (
            Appointment.objects.filter(course=started)
            .order_by("starts_at", "id")
            .values_list("id", "status")
        )

    names, rows = kept.fetchall(("all", started.pk), build)
    assert (names, rows) == (["id", "status"], list(build()))
    Appointment.objects.filter(course=started).first().delete()
    assert kept.fetchall(("all", started.pk), lambda: pytest.fail("built twice"))[1] == list(
        build()
    )


def test_a_plain_insert_never_sends_more_parameters_than_the_protocol_carries():
    # Django's PostgreSQL backend gives every row to one batch; SQLite's caps it itself.
    class NoLimit:
        class ops:
            @staticmethod
            def bulk_batch_size(fields, rows):
                return len(rows)

    class SQLiteLike:
        class ops:
            @staticmethod
            def bulk_batch_size(fields, rows):
                return 999 // len(fields)

    fields = [object()] * 9
    rows = [{}] * 8_000
    assert plain_batch_size(NoLimit, fields, rows) == 65_535 // 9
    assert plain_batch_size(NoLimit, fields, rows[:10]) == 10
    assert plain_batch_size(SQLiteLike, fields, rows) == 111
    assert plain_batch_size(NoLimit, fields, []) == 1


_USUAL_VALUES = (
    None,
    0,
    7,
    True,
    False,
    timezone.now().date(),
    "",
    "text",
    Appointment.Status.ATTENDED,
    uuid.UUID(int=12345),
    timezone.now(),
    timezone.now().replace(tzinfo=None),
    "2026-01-02",
    1.5,
    {"a": 1},
    [1, "two"],
    "127.0.0.1",
)


@pytest.mark.parametrize("model", [AuditEvent, Response, Appointment, OutcomeSummary, TrackFlag])
def test_a_columns_shortcut_prepares_values_as_its_field_does(db, model):
    # Every value a shortcut takes comes out as Django's own chain makes it; any other
    # is left to that chain.
    taken = 0
    for field in model._meta.concrete_fields:
        shortcut = _shortcut(field)
        if shortcut is None:
            continue
        for value in _USUAL_VALUES:
            prepared = shortcut(value, connection)
            if prepared is _SLOW:
                continue
            taken += 1
            expected = field.get_db_prep_save(value, connection)
            # A driver's wrapper (PostgreSQL's Jsonb) compares by identity: compare its
            # type and what it wraps.
            assert type(prepared) is type(expected), (field, value)
            assert getattr(prepared, "obj", prepared) == getattr(expected, "obj", expected), (
                field,
                value,
            )
    assert taken > 0
