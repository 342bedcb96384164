"""Prepared reads: the ORM's SQL built once, run with each call's arguments."""

import pytest
from django.db import connection
from django.db.transaction import TransactionManagementError

from patternwork.core.prepared import PreparedRead, PreparedUpdate, field_names, instances
from patternwork.treatment import scheduling
from patternwork.treatment.models import Appointment, Course


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


def test_an_argument_that_is_not_one_parameter_is_refused(started):
    # The argument appears twice in the SQL: the read cannot tell which is which.
    twice = PreparedRead(
        lambda pk: Course.objects.filter(pk=pk, client__courses__pk=pk).values_list("id"), int
    )

    with pytest.raises(ValueError, match="not one"):
        twice(started.pk)


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
