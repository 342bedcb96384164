"""Scoped reads compiled once per shape of the reader's scope, whoever reads."""

from datetime import timedelta

import pytest
from django.utils import timezone

from patternwork.accounts.access import PreparedVisible, Reader, visible
from patternwork.accounts.models import Membership
from patternwork.treatment.models import Appointment, Course
from tests.factories import AppointmentFactory, ClientFactory, CourseFactory, MembershipFactory


def _after(at):
    return Appointment.objects.filter(starts_at__gt=at).order_by("starts_at", "id")


def _after_values(at):
    return _after(at).values_list("id", "starts_at")


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


def test_a_scoped_read_gives_visibles_rows_for_each_reader_and_time(
    booked, therapist, other_therapist, supervisor, admin
):
    read = PreparedVisible(_after_values, type(booked))
    for at in (booked, booked + timedelta(hours=2), booked - timedelta(days=1)):
        for member in (therapist, other_therapist, supervisor, admin):
            assert read(member, at) == list(visible(member, _after_values(at)))
    mine = read(therapist, booked)
    theirs = read(other_therapist, booked)
    assert len(mine) == 2
    assert len(theirs) == 1


def test_the_compiled_statements_follow_the_scope_shapes_not_the_staff(booked, practice):
    read = PreparedVisible(_after_values, type(booked))
    for _ in range(6):
        member = MembershipFactory(practice=practice, role=Membership.Role.THERAPIST)
        assert read(member, booked) == []
    # Every therapist's scope names one therapist: one statement for all of them.
    assert len(read._reads) == 1


def test_a_scoped_read_of_models_builds_the_orm_instances(booked, therapist):
    def build():
        return Course.objects.select_related("client").only("id", "client__full_name")

    found = PreparedVisible(build).rows(therapist)
    assert [(c.pk, c.client.full_name) for c in found] == [
        (c.pk, c.client.full_name) for c in visible(therapist, build())
    ]


def test_a_client_reads_their_own_rows_with_one_statement_for_every_client(booked, therapist):
    read = PreparedVisible(_after, type(booked))
    clients = [course.client for course in Course.objects.order_by("id")]
    for client in clients:
        reader = Reader(user=None, client=client)
        assert [a.pk for a in read.rows(reader, booked - timedelta(days=1))] == [
            a.pk for a in _after(booked - timedelta(days=1)).filter(course__client=client)
        ]
    assert len(read._reads) == 1


def test_a_read_of_other_rows_by_the_scoped_ones_runs_them_as_a_subquery(
    booked, therapist, django_assert_num_queries
):
    read = PreparedVisible(
        lambda: Course.objects.all(),
        then=lambda courses: (
            Appointment.objects.filter(course__in=courses.values("pk"))
            .order_by("id")
            .values_list("id")
        ),
    )
    with django_assert_num_queries(1):
        found = read(therapist)
    assert found == list(visible(therapist, Appointment).order_by("id").values_list("id"))
    assert len(found) == 3
