"""Episodes and the IPAF in the staff UI (issue 5 acceptance)."""

import datetime as dt

import pytest
from django.urls import reverse

from patternwork.audit.models import AuditEvent
from patternwork.formulation import services
from patternwork.formulation.models import Category, Episode, IpafVersion
from patternwork.treatment import services as treatment
from tests.course_fixtures import weekly
from tests.factories import PersonFactory

IPAF = {
    "self_representation": "Someone who has to earn a place",
    "other_representation": "People who lose interest",
    "linking_affects": "Anxiety, then shame",
    "defensive_function": "Not being the one let down",
    "transference": "",
}


@pytest.fixture
def active(course, therapist):
    treatment.start_course(course=course, values=weekly(), actor=therapist)
    appointments = list(course.appointments.order_by("starts_at"))
    for appointment in appointments[:5]:
        treatment.mark_attended(appointment=appointment, actor=therapist)
    course.refresh_from_db()
    return course


@pytest.fixture
def people(active):
    return [
        PersonFactory(client=active.client, label="Mum", relationship="mother", era="childhood"),
        PersonFactory(client=active.client, label="Jess", relationship="partner", era="current"),
        PersonFactory(client=active.client, label="Ray", relationship="manager", era="current"),
    ]


def category(practice, key):
    return Category.objects.get(practice=practice, default_key=key)


def episode_data(other, **extra):
    return {
        "other": other,
        "when": "current",
        "account": "Asked to talk; they walked away.",
    } | extra


def test_log_episode_with_categories_through_the_form(client, login, therapist, active, people):
    login(therapist)
    page = client.get(reverse("clinic:episode-new", args=[active.public_id]))
    close = category(active.practice, "w_close")

    response = client.post(
        reverse("clinic:episode-new", args=[active.public_id]),
        episode_data(
            str(people[1].public_id),
            wish_text="to be close",
            wish_categories=[str(close.public_id)],
        ),
    )

    episode = Episode.objects.get()
    assert page.status_code == 200
    assert response.status_code == 302
    assert (episode.person, episode.phase) == (people[1], "middle")
    assert list(episode.codes.values_list("category__default_key", flat=True)) == ["w_close"]
    assert AuditEvent.objects.filter(action="episode.log").count() == 1


def test_episode_form_errors_keep_the_input(client, login, therapist, active, people):
    login(therapist)

    response = client.post(
        reverse("clinic:episode-new", args=[active.public_id]),
        {"other": "", "account": "Kept text"},
    )

    assert response.status_code == 400
    assert "Kept text" in response.content.decode()
    assert set(response.context["form"].errors) >= {"other", "when"}
    assert not Episode.objects.exists()


def test_quick_entry_from_the_session_returns_to_it(client, login, therapist, active, people):
    session = active.appointments.filter(session_number=5).get()
    login(therapist)
    url = (
        reverse("clinic:episode-new", args=[active.public_id]) + f"?appointment={session.public_id}"
    )

    response = client.post(
        url,
        episode_data(
            "therapist",
            when="in_session",
            showed_in_session="true",
            appointment=str(session.public_id),
        ),
    )

    episode = Episode.objects.get()
    assert response["Location"] == reverse("clinic:appointment-detail", args=[session.public_id])
    assert (episode.appointment, episode.with_therapist, episode.showed_in_session) == (
        session,
        True,
        True,
    )
    page = client.get(
        reverse("clinic:appointment-detail", args=[session.public_id])
    ).content.decode()
    assert "Where the pattern appeared" in page
    assert "With the therapist" in page


def test_episode_new_refuses_an_appointment_of_another_course(
    client, login, therapist, active, people
):
    from tests.factories import AppointmentFactory, ClientFactory, CourseFactory

    other = AppointmentFactory(
        course=CourseFactory(client=ClientFactory(practice=therapist.practice, therapist=therapist))
    )
    login(therapist)

    response = client.get(
        reverse("clinic:episode-new", args=[active.public_id]) + f"?appointment={other.public_id}"
    )

    assert response.status_code == 404


def test_ipaf_acceptance_path(client, login, therapist, active, people):
    """Five episodes, the core theme, an IPAF drafted from it, two versions, compare, agree."""
    login(therapist)
    client.get(reverse("clinic:episode-new", args=[active.public_id]))  # creates the default set
    close = category(active.practice, "w_close")
    rejecting = category(active.practice, "ro_rejecting")
    low = category(active.practice, "rs_low")
    for person in [*people, people[1], people[2]]:
        client.post(
            reverse("clinic:episode-new", args=[active.public_id]),
            episode_data(
                str(person.public_id),
                wish_categories=[str(close.public_id)],
                ro_categories=[str(rejecting.public_id)],
                rs_categories=[str(low.public_id)],
            ),
        )
    assert Episode.objects.count() == 5

    pattern = client.get(reverse("clinic:pattern", args=[active.client.public_id])).content.decode()
    for episode in Episode.objects.all():
        assert str(episode.public_id) in pattern
    assert close.label in pattern

    caseload = client.get(reverse("clinic:home")).content.decode()
    assert "IPAF not agreed" in caseload

    drafted = client.get(reverse("clinic:ipaf", args=[active.public_id]) + "?suggest=1")
    assert drafted.context["form"].initial["other_representation"] == rejecting.label
    first = client.post(
        reverse("clinic:ipaf", args=[active.public_id]),
        IPAF | {"other_representation": rejecting.label},
    )
    second = client.post(
        reverse("clinic:ipaf", args=[active.public_id]),
        IPAF | {"linking_affects": "Anxiety, shame and quiet anger"},
    )
    assert (first.status_code, second.status_code) == (302, 302)
    assert list(IpafVersion.objects.values_list("number", flat=True).order_by("number")) == [1, 2]

    compare = client.get(reverse("clinic:ipaf-compare", args=[active.public_id]))
    changed = [label for label, a, b in compare.context["rows"] if a != b]
    assert [str(label) for label in changed] == [
        "How they see the other",
        "The feeling(s) linking them",
    ]

    latest = IpafVersion.objects.get(number=2)
    agreed = client.post(
        reverse("clinic:ipaf-agree", args=[latest.public_id]), {"agreed_on": "2026-03-30"}
    )
    assert agreed.status_code == 302
    latest.refresh_from_db()
    assert latest.agreed_on == dt.date(2026, 3, 30)
    assert "IPAF not agreed" not in client.get(reverse("clinic:home")).content.decode()

    session = active.appointments.filter(session_number=5).get()
    page = client.get(
        reverse("clinic:appointment-detail", args=[session.public_id])
    ).content.decode()
    assert "Anxiety, shame and quiet anger" in page
    assert "trend so far" in page


def test_ipaf_rejects_a_version_without_its_core(client, login, therapist, active):
    login(therapist)

    response = client.post(
        reverse("clinic:ipaf", args=[active.public_id]), {"self_representation": "only this"}
    )

    assert response.status_code == 400
    assert not IpafVersion.objects.exists()


def test_admin_without_clinical_access_gets_404_on_episodes_and_ipaf(
    client, login, admin, therapist, active, people
):
    episode = services.log_episode(
        course=active,
        data={"when": "current", "account": "x"},
        person=people[0],
        with_therapist=False,
        categories={},
        by=therapist,
    )
    login(admin)

    assert client.get(reverse("clinic:episode-detail", args=[episode.public_id])).status_code == 404
    assert client.get(reverse("clinic:ipaf", args=[active.public_id])).status_code == 404


def test_episode_list_query_count_is_fixed(
    client, login, therapist, active, people, django_assert_num_queries
):
    def add(n):
        for _ in range(n):
            services.log_episode(
                course=active,
                data={"when": "current", "account": "x"},
                person=people[0],
                with_therapist=False,
                categories={},
                by=therapist,
            )

    login(therapist)
    add(2)
    url = reverse("clinic:episode-list", args=[active.client.public_id])
    client.get(url)
    with django_assert_num_queries(12) as few:
        client.get(url)
    baseline = len(few)
    add(20)
    with django_assert_num_queries(baseline):
        client.get(url)
