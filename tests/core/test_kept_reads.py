"""Kept reads: the ORM's SQL built once per key, run with each call's late arguments."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from patternwork.accounts.access import scope_key, visible
from patternwork.core.prepared import KeptReads
from patternwork.treatment.models import Appointment, Course
from tests.factories import AppointmentFactory, ClientFactory, CourseFactory


def _after(membership, at):
    return (
        visible(membership, Appointment)
        .filter(starts_at__gt=at)
        .order_by("starts_at", "id")
        .values_list("id", "starts_at")
    )


@pytest.fixture
def booked(therapist, other_therapist):
    now = timezone.now().replace(microsecond=0)
    mine = CourseFactory(client=ClientFactory(therapist=therapist, practice=therapist.practice))
    theirs = CourseFactory(
        client=ClientFactory(therapist=other_therapist, practice=other_therapist.practice)
    )
    for hours in (-2, 1, 3):
        AppointmentFactory(course=mine, starts_at=now + timedelta(hours=hours))
    AppointmentFactory(course=theirs, starts_at=now + timedelta(hours=2))
    return now


def test_a_kept_read_gives_the_orm_rows_for_each_time_it_is_run_with(booked, therapist, supervisor):
    reads = KeptReads()
    for at in (booked, booked + timedelta(hours=2), booked - timedelta(days=1)):
        for member in (therapist, supervisor):
            found = reads(
                ("after", scope_key(member)), lambda when, member=member: _after(member, when), at
            )
            assert found == list(_after(member, at))
            assert found or at > booked
    # Compiled once per key: a later run with another time builds nothing.
    reads(("after", scope_key(therapist)), lambda when: pytest.fail("built again"), booked)


def test_a_kept_read_keeps_each_scope_apart(booked, therapist, other_therapist):
    reads = KeptReads()
    mine = reads(("after", scope_key(therapist)), lambda w: _after(therapist, w), booked)
    theirs = reads(
        ("after", scope_key(other_therapist)), lambda w: _after(other_therapist, w), booked
    )
    assert len(mine) == 2
    assert len(theirs) == 1
    assert not set(mine) & set(theirs)


def test_a_kept_read_of_models_builds_the_orm_instances(booked, therapist):
    reads = KeptReads()

    def build():
        return visible(therapist, Course).select_related("client").only("id", "client__full_name")

    found = reads.rows(("courses", scope_key(therapist)), build)
    assert [(c.pk, c.client.full_name) for c in found] == [
        (c.pk, c.client.full_name) for c in build()
    ]
    with pytest.raises(TypeError):
        reads(("courses", scope_key(therapist)), build)


def test_a_kept_read_that_matches_nothing_by_its_shape_runs_no_statement(db):
    reads = KeptReads()
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert (
                reads(("none",), lambda: Course.objects.filter(pk__in=[]).values_list("pk")) == []
            )
        assert len(queries) == 0


def test_kept_reads_drop_the_least_recently_used_key(db):
    reads = KeptReads(size=2)
    built = []

    def build(name):
        def queryset():
            built.append(name)
            return Course.objects.filter(pk=0).values_list("pk")

        return queryset

    for name in ("a", "b", "a", "c", "a", "b"):
        reads((name,), build(name))
    # "b" was dropped for "c", then "c" for "b"; "a", used throughout, was built once.
    assert built == ["a", "b", "c", "b"]
