"""Episodes and the IPAF in the staff UI."""

import datetime as dt
import html
import re

import pytest
from django.urls import reverse

from patternwork.audit.models import AuditEvent
from patternwork.formulation import selectors, services
from patternwork.formulation.models import Category, Episode, IpafVersion
from patternwork.treatment import services as treatment
from tests.course_fixtures import weekly
from tests.factories import ClientFactory, CourseFactory, EpisodeFactory, PersonFactory

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


def test_log_episode_with_categories_through_the_form(
    client, login, therapist, active, people, default_categories
):
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


def test_ipaf_acceptance_path(client, login, therapist, active, people, default_categories):
    """Five episodes, the core theme, an IPAF drafted from it, two versions, compare, agree."""
    login(therapist)
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

    evidence_url = reverse("clinic:pattern-evidence", args=[active.client.public_id])
    pattern = client.get(evidence_url, {"key": "all"}).content.decode()
    for episode in Episode.objects.all():
        assert str(episode.public_id) in pattern
    assert close.label in pattern

    caseload = client.get(reverse("clinic:home")).content.decode()
    assert "IPAF not agreed" in caseload

    drafted = client.get(reverse("clinic:ipaf", args=[active.public_id]) + "?suggest=1")
    assert drafted.context["form"].initial["other_representation"] == rejecting.label
    # The self part comes from how the client responded, the feeling from its affect words.
    assert drafted.context["form"].initial["self_representation"] == low.label
    assert drafted.context["form"].initial["linking_affects"] == "sadness, disappointment"
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
    changed = [part.label for part in compare.context["comparison"].parts if part.changed]
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


CHECKED_EPISODE = re.compile(
    r'<input type="checkbox" name="episodes" value="([^"]+)"[^>]*\schecked>'
)
TEXTAREA = re.compile(r'<textarea name="(\w+)"[^>]*>\n?(.*?)</textarea>', re.DOTALL)


def ticked(response) -> set[str]:
    return set(CHECKED_EPISODE.findall(response.content.decode()))


def as_submitted(response) -> dict:
    """What a browser sends back from the IPAF form when nothing on it is touched."""
    page = response.content.decode()
    data = {name: html.unescape(text) for name, text in TEXTAREA.findall(page)}
    return data | {"episodes": sorted(ticked(response))}


def ids(*episodes) -> set[str]:
    return {str(e.public_id) for e in episodes}


@pytest.fixture
def evidence(active, people, therapist):
    """Four episodes: with Mum, Jess and Ray on known dates, and one with the therapist."""

    def log(person, account, occurred_on=None):
        return services.log_episode(
            course=active,
            data={"when": "current", "account": account, "occurred_on": occurred_on},
            person=person,
            with_therapist=person is None,
            categories={},
            by=therapist,
        )

    return [
        log(people[0], "Asked Mum for help; she changed the subject.", dt.date(2026, 2, 2)),
        log(people[1], "Wanted Jess to stay in; she went out.", dt.date(2026, 3, 4)),
        log(people[2], "Ray cancelled the review again.", dt.date(2026, 3, 9)),
        log(None, "Expected the therapist to end the session early."),
    ]


@pytest.fixture
def first_version(active, therapist, evidence):
    return services.save_ipaf(course=active, data=IPAF, episodes=evidence[:3], by=therapist)


def test_ipaf_new_version_starts_with_the_previous_versions_episodes_ticked(
    client, login, therapist, active, evidence, first_version
):
    login(therapist)

    response = client.get(reverse("clinic:ipaf", args=[active.public_id]))

    assert response.status_code == 200
    assert ticked(response) == ids(*evidence[:3])


def test_ipaf_suggestions_keep_the_previous_versions_episodes_ticked(
    client, login, therapist, active, evidence, first_version
):
    login(therapist)

    response = client.get(reverse("clinic:ipaf", args=[active.public_id]) + "?suggest=1")

    assert ticked(response) == ids(*evidence[:3])


def test_ipaf_saving_a_new_version_without_touching_the_boxes_keeps_the_evidence(
    client, login, therapist, active, evidence, first_version
):
    login(therapist)
    url = reverse("clinic:ipaf", args=[active.public_id])
    data = as_submitted(client.get(url)) | {"linking_affects": "Anxiety, shame and quiet anger"}

    response = client.post(url, data)

    second = IpafVersion.objects.get(number=2)
    assert response.status_code == 302
    assert second.linking_affects == "Anxiety, shame and quiet anger"
    assert set(second.supporting_episodes.all()) == set(evidence[:3])
    assert set(first_version.supporting_episodes.all()) == set(evidence[:3])


def test_ipaf_form_error_keeps_the_ticked_episodes(
    client, login, therapist, active, evidence, first_version
):
    login(therapist)

    response = client.post(
        reverse("clinic:ipaf", args=[active.public_id]),
        IPAF
        | {
            "self_representation": "",
            "episodes": [str(evidence[1].public_id), str(evidence[3].public_id)],
        },
    )

    assert response.status_code == 400
    assert ticked(response) == ids(evidence[1], evidence[3])
    assert IpafVersion.objects.count() == 1


def test_ipaf_does_not_tick_evidence_that_is_no_longer_this_courses(
    client, login, therapist, active, evidence, first_version
):
    elsewhere = CourseFactory(client=ClientFactory(practice=active.practice, therapist=therapist))
    # A correction moved the episode to another client's record after version 1 cited it.
    Episode.objects.filter(pk=evidence[2].pk).update(course=elsewhere, client=elsewhere.client)
    login(therapist)

    response = client.get(reverse("clinic:ipaf", args=[active.public_id]))

    assert ticked(response) == ids(evidence[0], evidence[1])
    assert set(response.context["form"]["episodes"].value()) == ids(evidence[0], evidence[1])


def evidence_rows(response) -> list[list[str]]:
    section = response.content.decode().split('id="evidence"', 1)[1].split("</section>", 1)[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", section.split("<tbody>", 1)[1], re.DOTALL)
    return [
        [
            " ".join(re.sub(r"<[^>]+>", " ", cell).split())
            for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.DOTALL)
        ]
        for row in rows
    ]


def test_ipaf_compare_lists_evidence_added_and_removed(
    client, login, therapist, active, evidence, first_version
):
    second = services.save_ipaf(
        course=active,
        data=IPAF | {"linking_affects": "Anxiety, shame and quiet anger"},
        episodes=[evidence[1], evidence[2], evidence[3]],
        by=therapist,
    )
    login(therapist)

    response = client.get(reverse("clinic:ipaf-compare", args=[active.public_id]))

    page = response.content.decode()
    assert response.status_code == 200
    assert evidence_rows(response) == [
        [
            "Added in version 2",
            "With the therapist",
            "Currently",
            "logged 1 Apr 2026",
            "Expected the therapist to end the session early.",
        ],
        [
            "Removed in version 2",
            "Mum (mother)",
            "Currently",
            "2 Feb 2026",
            "Asked Mum for help; she changed the subject.",
        ],
    ]
    for episode in (evidence[3], evidence[0]):
        assert f'href="{reverse("clinic:episode-detail", args=[episode.public_id])}"' in page
    assert "2 episodes support both versions." in page
    changed = [str(part.label) for part in response.context["comparison"].parts if part.changed]
    assert changed == ["The feeling(s) linking them"]
    # Asked the other way round, the page still reads from the earlier version to the later.
    reversed_order = client.get(
        reverse("clinic:ipaf-compare", args=[active.public_id])
        + f"?a={second.public_id}&b={first_version.public_id}"
    )
    assert evidence_rows(reversed_order) == evidence_rows(response)


def test_ipaf_compare_query_count_is_fixed(
    client, login, therapist, active, evidence, django_assert_num_queries
):
    def two_versions(episodes_a, episodes_b, n):
        services.save_ipaf(
            course=active, data=IPAF | {"transference": f"{n}a"}, episodes=episodes_a, by=therapist
        )
        services.save_ipaf(
            course=active, data=IPAF | {"transference": f"{n}b"}, episodes=episodes_b, by=therapist
        )

    login(therapist)
    url = reverse("clinic:ipaf-compare", args=[active.public_id])
    two_versions(evidence[:1], evidence[1:2], 1)
    client.get(url)
    # One more than before for the client's answers on the portal (prefetched).
    with django_assert_num_queries(12) as one:
        client.get(url)
    more = [*evidence, *(EpisodeFactory(course=active) for _ in range(6))]
    two_versions(more[:5], more[3:], 2)
    with django_assert_num_queries(len(one)):
        response = client.get(url)
    assert len(evidence_rows(response)) == 8


def test_ipaf_pages_are_404_for_another_therapists_client(
    client, login, other_therapist, active, evidence, first_version
):
    services.save_ipaf(course=active, data=IPAF, episodes=evidence[1:], by=first_version.author)
    login(other_therapist)

    pages = [
        client.get(reverse("clinic:ipaf", args=[active.public_id])),
        client.get(reverse("clinic:ipaf-compare", args=[active.public_id])),
        client.post(reverse("clinic:ipaf", args=[active.public_id]), IPAF | {"transference": "x"}),
    ]

    assert [page.status_code for page in pages] == [404, 404, 404]
    assert IpafVersion.objects.count() == 2


def test_ipaf_page_query_count_is_fixed(
    client, login, therapist, active, evidence, django_assert_num_queries
):
    login(therapist)
    url = reverse("clinic:ipaf", args=[active.public_id])
    services.save_ipaf(course=active, data=IPAF, episodes=evidence[:1], by=therapist)
    client.get(url)
    # With the client's answers on the portal, prefetched for every version at once; the
    # practice's categories, the episodes' codes and their number for the suggestions,
    # and the form's episodes in one more.
    with django_assert_num_queries(16) as one:
        client.get(url)
    more = [*evidence, *(EpisodeFactory(course=active) for _ in range(6))]
    services.save_ipaf(
        course=active, data=IPAF | {"transference": "x"}, episodes=more, by=therapist
    )
    with django_assert_num_queries(len(one)):
        response = client.get(url)
    assert ticked(response) == ids(*more)


def test_the_ipaf_form_offers_the_most_recent_episodes_and_those_cited(active, evidence):
    ordered = list(Episode.objects.filter(course=active).order_by("created_at", "id"))
    cited = str(ordered[0].public_id)

    offered = selectors.ipaf_episode_choices(active, keep=[cited], limit=2)

    assert offered == [ordered[0], *ordered[-2:]]
    assert selectors.ipaf_episode_choices(active, limit=2) == ordered[-2:]


def test_the_ipaf_form_keeps_a_cited_episode_by_id_as_by_public_id(active, evidence):
    ordered = list(Episode.objects.filter(course=active).order_by("created_at", "id"))

    by_id = selectors.ipaf_episode_choices(active, keep_ids=[ordered[0].pk, ordered[0].pk], limit=2)

    assert by_id == selectors.ipaf_episode_choices(
        active, keep=[str(ordered[0].public_id)], limit=2
    )
    assert by_id == [ordered[0], *ordered[-2:]]
    assert [e.account for e in by_id] == [e.account for e in (ordered[0], *ordered[-2:])]


def test_the_ipaf_pages_episode_rows_are_the_choices_as_values(active, evidence):
    ordered = list(Episode.objects.filter(course=active).order_by("created_at", "id"))
    cited = [ordered[0].pk]

    rows = selectors.ipaf_episode_choice_rows(active, keep_ids=cited)

    assert [(r.pk, r.public_id, r.created_at, r.account) for r in rows] == [
        (e.pk, str(e.public_id), e.created_at, e.account)
        for e in selectors.ipaf_episode_choices(active, keep_ids=cited)
    ]


def test_the_ipaf_pages_episode_rows_name_episodes_alike_when_more_are_kept_than_offered(
    active, evidence
):
    # More kept than the form offers: read by the ORM as it stands, named the same way.
    first = Episode.objects.filter(course=active).order_by("created_at", "id").first()
    cited = [first.pk, *range(10**9, 10**9 + selectors.IPAF_EPISODE_CHOICES)]

    rows = selectors.ipaf_episode_choice_rows(active, keep_ids=cited)

    assert [(r.pk, r.public_id) for r in rows] == [
        (e.pk, str(e.public_id)) for e in selectors.ipaf_episode_choices(active, keep_ids=cited)
    ]
    assert first.pk in [r.pk for r in rows]
