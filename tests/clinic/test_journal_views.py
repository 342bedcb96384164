"""Shared journal entries in the staff UI, and the one-action episode."""

import datetime as dt

import pytest
from django.urls import reverse

from patternwork.audit.models import AuditEvent
from patternwork.formulation import journal_services as services
from patternwork.formulation.models import Episode
from patternwork.treatment import services as treatment
from tests.factories import CourseFactory, JournalEntryFactory

SHARED_AT = dt.datetime(2026, 3, 31, 19, 0, tzinfo=dt.UTC)


@pytest.fixture
def shared(active):
    return JournalEntryFactory(
        course=active,
        written_on=dt.date(2026, 3, 31),
        prompts=(
            '{"moment": "Sam cancelled dinner.", "wanted": "To matter to Sam.",'
            ' "their_response": "A short text.", "your_response": "Hurt; I said it was fine."}'
        ),
        body="It felt like school again.",
        shared_at=SHARED_AT,
    )


@pytest.fixture
def private(active):
    return JournalEntryFactory(
        course=active, written_on=dt.date(2026, 3, 29), body="PRIVATE-CANARY", prompts="{}"
    )


def url(name, obj):
    return reverse(name, args=[obj.public_id])


def text(response) -> str:
    return response.content.decode()


def actions_since(count: int) -> list[str]:
    """The actions recorded since, other than the reads of the record."""
    actions = AuditEvent.objects.order_by("id").values_list("action", flat=True)
    return [action for action in list(actions)[count:] if action != "record.read"]


def test_course_page_lists_shared_entries_and_never_private_ones(
    client, login, therapist, shared, private
):
    login(therapist)

    response = client.get(url("clinic:course-detail", shared.course))

    page = text(response)
    assert response.context["journal"].entries == [shared]
    assert url("clinic:journal-entry", shared) in page
    assert url("clinic:journal-entry", private) not in page
    assert "Journal entries the client shared" in page
    assert "PRIVATE-CANARY" not in page


def test_course_page_has_no_journal_for_an_admin_without_clinical_access(
    client, login, admin, shared
):
    login(admin)

    response = client.get(url("clinic:course-detail", shared.course))

    assert response.context["journal"] is None
    assert "Journal entries the client shared" not in text(response)


def test_entry_page_shows_the_shared_entry_and_the_episode_form(
    client, login, therapist, shared, sam
):
    login(therapist)

    response = client.get(url("clinic:journal-entry", shared))

    page = text(response)
    assert response.status_code == 200
    assert response.context["answered"][0] == (
        "A moment this week with someone that stayed with you",
        "Sam cancelled dinner.",
    )
    assert "It felt like school again." in page
    assert [value for value, _ in response.context["form"].fields["other"].choices] == [
        "",
        "therapist",
        str(sam.public_id),
        "new",
    ]
    assert "Make an episode" in page
    assert AuditEvent.objects.filter(action="record.read", actor=therapist.user).count() == 1


def test_a_private_entry_is_not_found_for_staff(client, login, therapist, supervisor, private):
    before = AuditEvent.objects.count()
    for member in (therapist, supervisor):
        login(member)
        assert client.get(url("clinic:journal-entry", private)).status_code == 404
        post = client.post(url("clinic:journal-to-episode", private), {"other": "therapist"})
        assert post.status_code == 404
    assert Episode.objects.count() == 0
    assert actions_since(before) == ["access.denied"] * 4


def test_another_practices_entry_is_not_found(client, login, therapist, foreign_therapist):
    foreign = JournalEntryFactory(
        course=CourseFactory(client__practice=foreign_therapist.practice), shared_at=SHARED_AT
    )
    login(therapist)

    response = client.get(url("clinic:journal-entry", foreign))

    assert response.status_code == 404
    assert AuditEvent.objects.get().object_id == str(foreign.public_id)


def test_another_therapists_client_entry_is_not_found(client, login, other_therapist, shared):
    login(other_therapist)

    assert client.get(url("clinic:journal-entry", shared)).status_code == 404
    assert client.get(url("clinic:journal-list", shared.course)).status_code == 404


def test_supervisor_reads_their_supervisees_shared_entries(client, login, supervisor, shared):
    login(supervisor)

    response = client.get(url("clinic:journal-entry", shared))

    assert (response.status_code, response.context["entry"]) == (200, shared)


def test_admin_reads_shared_entries_only_where_allowed_and_is_audited(client, login, admin, shared):
    login(admin)
    refused = client.get(url("clinic:journal-entry", shared))
    admin.practice.admins_read_clinical = True
    admin.practice.save(update_fields=["admins_read_clinical"])

    allowed = client.get(url("clinic:journal-entry", shared))

    assert (refused.status_code, allowed.status_code) == (404, 200)
    read = AuditEvent.objects.get(action="record.read")
    assert (read.actor, read.object_id, read.changes) == (
        admin.user,
        str(shared.client.public_id),
        {"kind": "journal entry"},
    )


def test_make_an_episode_in_one_action_then_complete_it(client, login, therapist, shared, sam):
    login(therapist)
    before = AuditEvent.objects.count()

    response = client.post(
        url("clinic:journal-to-episode", shared), {"other": str(sam.public_id), "when": "current"}
    )

    episode = Episode.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("clinic:episode-detail", episode)
    assert (episode.journal_entry, episode.person, episode.when) == (shared, sam, "current")
    assert (episode.wish_text, episode.ro_text, episode.rs_text) == (
        "To matter to Sam.",
        "A short text.",
        "Hurt; I said it was fine.",
    )
    assert episode.account.endswith("In your own words\nIt felt like school again.")
    assert actions_since(before) == ["journal.episode"]
    page = text(client.get(url("clinic:journal-entry", shared)))
    assert url("clinic:episode-detail", episode) in page
    assert "Make an episode" not in page


def test_an_episode_with_someone_not_yet_on_the_map_adds_them_in_the_same_step(
    client, login, therapist, shared
):
    login(therapist)
    before = AuditEvent.objects.count()

    response = client.post(
        url("clinic:journal-to-episode", shared),
        {
            "other": "new",
            "new_label": "Aunt May",
            "new_relationship": "aunt",
            "new_era": "childhood",
            "when": "childhood",
        },
    )

    episode = Episode.objects.get()
    assert response.status_code == 302
    person = episode.person
    assert (person.client, person.label, person.relationship, person.era) == (
        shared.client,
        "Aunt May",
        "aunt",
        "childhood",
    )
    assert (episode.journal_entry, episode.when) == (shared, "childhood")
    assert actions_since(before) == ["person.add", "journal.episode"]


def test_a_new_person_needs_a_name_and_adds_nobody_without_one(client, login, therapist, shared):
    login(therapist)

    response = client.post(
        url("clinic:journal-to-episode", shared),
        {"other": "new", "new_label": "", "new_relationship": "aunt", "when": "current"},
    )

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["new_label"]
    assert not Episode.objects.exists()
    assert not shared.client.relationship_people.exists()


def test_a_second_episode_from_the_same_entry_is_refused(client, login, therapist, shared, sam):
    login(therapist)
    client.post(url("clinic:journal-to-episode", shared), {"other": "therapist", "when": "current"})

    response = client.post(
        url("clinic:journal-to-episode", shared), {"other": str(sam.public_id), "when": "past"}
    )

    assert response.status_code == 400
    assert str(services.ALREADY_AN_EPISODE) in text(response)
    assert Episode.objects.get().with_therapist is True
    assert AuditEvent.objects.filter(action="journal.episode").count() == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [({"other": "", "when": "current"}, "other"), ({"other": "therapist", "when": "x"}, "when")],
)
def test_the_episode_form_refuses_bad_input(client, login, therapist, shared, data, field):
    login(therapist)
    before = AuditEvent.objects.count()

    response = client.post(url("clinic:journal-to-episode", shared), data)

    assert response.status_code == 400
    assert list(response.context["form"].errors) == [field]
    assert Episode.objects.count() == 0
    assert actions_since(before) == []


def test_to_episode_takes_only_post(client, login, therapist, shared):
    login(therapist)

    assert client.get(url("clinic:journal-to-episode", shared)).status_code == 405


def test_no_episode_once_the_course_has_ended(client, login, therapist, shared):
    treatment.end_course(course=shared.course, reason="completed", note="", actor=therapist)
    login(therapist)

    page = client.get(url("clinic:journal-entry", shared))
    post = client.post(
        url("clinic:journal-to-episode", shared), {"other": "therapist", "when": "current"}
    )

    assert page.context["form"] is None
    assert "The course has ended" in text(page)
    assert post.status_code == 400
    assert "This course has ended." in text(post)
    assert Episode.objects.count() == 0


def test_list_of_shared_entries_is_paginated_and_keeps_its_query_count(
    client, login, therapist, active, private, django_assert_num_queries
):
    JournalEntryFactory(course=active, shared_at=SHARED_AT, written_on=dt.date(2026, 3, 1))
    login(therapist)
    client.get(url("clinic:journal-list", active))
    with django_assert_num_queries(11) as one:
        client.get(url("clinic:journal-list", active))
    for day in (2, 3):
        JournalEntryFactory(course=active, shared_at=SHARED_AT, written_on=dt.date(2026, 3, day))

    with django_assert_num_queries(len(one)):
        response = client.get(url("clinic:journal-list", active))

    assert [e.written_on.day for e, _ in response.context["rows"]] == [3, 2, 1]
    assert "PRIVATE-CANARY" not in text(response)
