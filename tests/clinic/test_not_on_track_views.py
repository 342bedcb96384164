"""The not-on-track flag on the caseload, the course page, the oversight page and its own."""

import pytest
from django.urls import reverse

from patternwork.audit.models import AuditEvent
from patternwork.measures import tracking
from patternwork.treatment.models import Course
from tests.measures.track_builders import build

WHY = "PHQ-9 18 at session 2 (first score 12); expected 0 to 17 at that session."
HOME = reverse("clinic:home")
OVERSIGHT = reverse("clinic:oversight")


def many_flagged(therapist, count):
    courses = build(therapist, [([12, 18], Course.State.ACTIVE)] * count)
    for course in courses:
        tracking.assess_course(course)


def test_caseload_shows_the_client_and_why(client, login, therapist, flagged):
    login(therapist)

    html = client.get(HOME).content.decode()

    assert "1 client not on track" in html
    assert WHY in html
    assert "Fallback rule" in html
    assert '<svg class="track-chart"' in html
    assert ">Not on track</span>" in html
    assert AuditEvent.objects.filter(action="record.read", changes__kind="not-on-track flag")


def test_course_page_shows_the_flag_with_its_chart(client, login, therapist, flagged):
    login(therapist)

    html = client.get(reverse("clinic:course-detail", args=[flagged.course.public_id])).content

    assert WHY in html.decode()
    assert reverse("clinic:track-flag", args=[flagged.public_id]) in html.decode()


def test_supervisor_sees_it_on_the_oversight_page(client, login, supervisor, flagged):
    login(supervisor)

    html = client.get(OVERSIGHT).content.decode()

    assert WHY in html
    assert "Dr Ada Therapist" in html


def test_another_therapists_client_is_a_404_and_not_listed(client, login, other_therapist, flagged):
    login(other_therapist)

    assert client.get(reverse("clinic:track-flag", args=[flagged.public_id])).status_code == 404
    post = client.post(reverse("clinic:track-flag", args=[flagged.public_id]), {"note": "x"})
    assert post.status_code == 404
    course_page = reverse("clinic:course-detail", args=[flagged.course.public_id])
    assert client.get(course_page).status_code == 404
    assert WHY not in client.get(HOME).content.decode()
    flagged.refresh_from_db()
    assert flagged.is_open


def test_acknowledge_needs_a_note(client, login, therapist, flagged):
    login(therapist)

    response = client.post(reverse("clinic:track-flag", args=[flagged.public_id]), {"note": " "})

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


def test_acknowledge_with_a_note_closes_the_flag(client, login, therapist, flagged):
    login(therapist)

    response = client.post(
        reverse("clinic:track-flag", args=[flagged.public_id]), {"note": "Agreed a plan."}
    )

    assert response.status_code == 302
    flagged.refresh_from_db()
    assert (flagged.note, flagged.acknowledged_by) == ("Agreed a plan.", therapist)
    assert AuditEvent.objects.filter(
        action="track_flag.acknowledge", object_id=str(flagged.public_id)
    ).exists()
    assert WHY not in client.get(HOME).content.decode()


@pytest.mark.parametrize("count", [1, 12])
def test_caseload_query_count_does_not_grow_with_flags(
    client, login, therapist, frozen, count, django_assert_num_queries
):
    many_flagged(therapist, count)
    login(therapist)

    # 16 with the not-on-track clients, 2 for supervision's open actions and notes waiting,
    # 2 for the audit chain's head when the read is recorded.
    with django_assert_num_queries(20):
        response = client.get(HOME)

    assert len(response.context["caseload"].not_on_track) == count


@pytest.mark.parametrize("count", [1, 12])
def test_oversight_query_count_does_not_grow_with_flags(
    client, login, supervisor, therapist, frozen, count, django_assert_num_queries
):
    many_flagged(therapist, count)
    login(supervisor)

    # The supervisor's scope read once, and both reads recorded in one audit write; the
    # open risk answers read once, and no appointments (the page shows none).
    with django_assert_num_queries(20):
        response = client.get(OVERSIGHT)

    assert len(response.context["not_on_track"]) == count
