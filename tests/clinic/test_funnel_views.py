"""The recovery funnel plot: on the service report, and a therapist's own point."""

import pytest
from django.urls import reverse

from tests.factories import MembershipFactory
from tests.reports.builders import Spec, build_course

FUNNEL = reverse("clinic:outcome-funnel")
REPORT = reverse("clinic:service-report")
RECOVERED = [(15, 10), (4, 3)]
STUCK = [(15, 10), (15, 10)]


@pytest.fixture
def courses(therapist, other_therapist, foreign_therapist):
    for spec in (RECOVERED, RECOVERED, STUCK):
        build_course(therapist, Spec(spec))
    build_course(other_therapist, Spec(STUCK))
    build_course(foreign_therapist, Spec(RECOVERED))


def rows(response):
    return {
        (r.unit.label, r.unit.count, r.unit.denominator) for r in response.context["funnel_rows"]
    }


def test_admin_sees_every_therapist_of_the_practice_around_its_mean(client, login, admin, courses):
    login(admin)

    response = client.get(REPORT)

    assert rows(response) == {("Dr Ada Therapist", 2, 3), ("Dr Ben Colleague", 0, 1)}
    assert response.context["funnel_mean"] == 0.5
    html = response.content.decode()
    assert html.count('class="funnel-chart__point') == 2
    assert "Dr Fay Elsewhere" not in html
    assert "Within the limits" in html


def test_supervisor_sees_their_scope_against_the_whole_practice(client, login, supervisor, courses):
    login(supervisor)

    response = client.get(REPORT)

    assert rows(response) == {("Dr Ada Therapist", 2, 3)}
    assert response.context["funnel_mean"] == 0.5


def test_therapist_sees_only_their_own_point(client, login, other_therapist, courses):
    login(other_therapist)

    response = client.get(FUNNEL)

    assert response.status_code == 200
    assert rows(response) == {("Dr Ben Colleague", 0, 1)}
    html = response.content.decode()
    assert html.count('class="funnel-chart__point') == 1
    assert "Dr Ada Therapist" not in html
    # Another therapist's clients and report stay out of reach.
    assert client.get(REPORT).status_code == 403


def test_funnel_refuses_bad_dates_with_a_400(client, login, admin):
    login(admin)

    assert client.get(FUNNEL, {"ended_from": "not a date"}).status_code == 400


@pytest.mark.parametrize("therapists", [1, 8])
def test_funnel_query_count_does_not_grow_with_therapists(
    client, login, admin, practice, therapists, django_assert_num_queries
):
    for _ in range(therapists):
        build_course(MembershipFactory(practice=practice), Spec(RECOVERED))
    login(admin)

    with django_assert_num_queries(10):
        response = client.get(FUNNEL)

    assert len(response.context["funnel_rows"]) == therapists
