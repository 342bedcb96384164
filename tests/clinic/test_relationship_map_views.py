"""The relationship map in the staff UI."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.urls import reverse
from django.utils.html import escape

from patternwork.audit.models import AuditEvent
from patternwork.clinic.forms.relationship_map import MAP_READ_ONLY
from patternwork.core.concurrency import STALE_EDIT_MESSAGE
from patternwork.formulation import services
from patternwork.formulation.models import Episode, Person
from tests.factories import ClientFactory, CourseFactory, EpisodeFactory, PersonFactory

pytestmark = pytest.mark.usefixtures("frozen")

NOW = dt.datetime(2026, 4, 15, 11, 0, tzinfo=dt.UTC)
NOTES = "NOTES-CANARY-5521: rang every Sunday until the divorce"


@pytest.fixture
def jo(therapist):
    return ClientFactory(practice=therapist.practice, therapist=therapist, full_name="Jo Bloggs")


@pytest.fixture
def mum(jo):
    return PersonFactory(
        client=jo,
        label="Mum",
        relationship="mother",
        era="childhood",
        closeness=4,
        conflict=3,
        notes="Warm but unpredictable",
    )


def map_url(record):
    return reverse("clinic:relationship-map", args=[record.public_id])


def edit_url(person):
    return reverse("clinic:person-edit", args=[person.public_id])


def archive_url(person):
    return reverse("clinic:person-archive", args=[person.public_id])


def person_data(**overrides):
    return {
        "label": "Mum",
        "relationship": "mother",
        "era": "childhood",
        "contact": "in_contact",
        "closeness": "4",
        "conflict": "3",
        "notes": "",
    } | overrides


def picture(response) -> str:
    html = response.content.decode()
    start = html.index('<svg class="relmap"')
    return html[start : html.index("</svg>", start)]


def people_in_picture(response) -> list[str]:
    return re.findall(r'<text class="relmap__name"[^>]*>([^<]*)</text>', picture(response))


def edit_data(client, person, **overrides):
    form = client.get(edit_url(person)).context["form"]
    return {name: form[name].value() for name in form.fields} | overrides


def events(action=None):
    found = AuditEvent.objects.exclude(action__in=["access.denied", "record.read"])
    return list(found.filter(action=action) if action else found)


# Adding people


def test_therapist_adds_three_people_and_sees_them_in_the_picture_and_table(
    client, login, therapist, jo
):
    login(therapist)
    people = [
        person_data(label="Mum", era="childhood", closeness="4", conflict="3"),
        person_data(
            label="Dad", relationship="father", era="childhood", closeness="2", contact="died"
        ),
        person_data(label="Sam", relationship="partner", era="current", closeness="5"),
    ]

    for data in people:
        response = client.post(map_url(jo), data)
        assert (response.status_code, response["Location"]) == (302, map_url(jo) + "#add-person")
    page = client.get(map_url(jo))

    assert page.status_code == 200
    assert people_in_picture(page) == ["Mum", "Dad", "Sam"]
    assert picture(page).count('<g class="relmap__person') == 3
    assert [(r.number, r.person.label, r.node is not None) for r in page.context["rows"]] == [
        (1, "Mum", True),
        (2, "Dad", True),
        (3, "Sam", True),
    ]
    html = page.content.decode()
    assert '<th scope="row">Mum</th>' in html
    assert '<th scope="row">Sam</th>' in html
    assert len(events("person.add")) == 3
    assert len(events()) == 3


def test_picture_is_described_in_words_and_marks_who_died(client, login, therapist, jo, mum):
    PersonFactory(
        client=jo,
        label="Dad",
        relationship="father",
        era="childhood",
        closeness=2,
        conflict=5,
        contact="died",
    )
    login(therapist)

    page = client.get(map_url(jo))

    svg = picture(page)
    assert 'role="img"' in svg
    assert '<title id="relmap-title">Relationship map of Jo Bloggs</title>' in svg
    desc = re.search(r'<desc id="relmap-desc">(.*?)</desc>', svg, re.S).group(1)
    assert desc == (
        "Jo Bloggs is at the centre, with 2 people around them, placed by era and nearer the "
        "centre the closer they are. Childhood: 1. Mum (mother), closeness 4 of 5, conflict 3 "
        "of 5; 2. Dad (father), closeness 2 of 5, conflict 5 of 5, died. Adolescence: nobody. "
        "Adult life, past: nobody. Current: nobody."
    )
    assert re.findall(r'<text class="relmap__small"[^>]*>([^<]*)</text>', svg) == [
        "conflict 3",
        "conflict 5",
        "died",
    ]
    assert svg.count('stroke-dasharray="3 4"') == 1  # Dad's line, conflict 5


def test_add_with_bad_input_shows_errors_and_keeps_what_was_typed(client, login, therapist, jo):
    login(therapist)

    response = client.post(
        map_url(jo),
        person_data(label="   ", era="", closeness="9", relationship="stepfather", notes=NOTES),
    )

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"label", "era", "closeness"}
    html = response.content.decode()
    assert 'value="stepfather"' in html
    assert NOTES in html
    assert Person.objects.count() == 0
    assert events() == []


def test_add_with_too_long_a_name_is_a_form_error(client, login, therapist, jo):
    login(therapist)

    response = client.post(map_url(jo), person_data(label="M" * 101))

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "label": ["Ensure this value has at most 100 characters (it has 101)."]
    }
    assert Person.objects.count() == 0


def test_empty_map_says_so_and_offers_the_form(client, login, therapist, jo):
    login(therapist)

    page = client.get(map_url(jo))

    html = page.content.decode()
    assert page.context["rows"] == []
    assert "relmap__person" not in picture(page)
    assert "No one is on the map yet." in html
    assert 'id="add-person"' in html
    assert 'list="relationship-suggestions"' in html
    assert '<option value="mother"></option>' in html


def test_a_crowded_era_keeps_everyone_by_number(client, login, therapist, jo):
    for i in range(20):
        PersonFactory(client=jo, label=f"Cousin {i:02}", era="current", closeness=1 + i % 5)
    login(therapist)

    page = client.get(map_url(jo))

    svg = picture(page)
    assert svg.count('<g class="relmap__person') == 20
    assert people_in_picture(page) == []
    assert "people are shown by their number only" in page.content.decode()
    assert [r.number for r in page.context["rows"]] == list(range(1, 21))


# Editing


def test_edit_page_shows_the_person_and_saving_audits_one_change(client, login, therapist, jo, mum):
    login(therapist)
    data = edit_data(client, mum, closeness=2, notes=NOTES)

    response = client.post(edit_url(mum), data)

    assert (response.status_code, response["Location"]) == (302, map_url(jo))
    mum.refresh_from_db()
    assert (mum.closeness, mum.notes, mum.label) == (2, NOTES, "Mum")
    (event,) = events()
    assert (event.action, event.object_id, event.changes) == (
        "person.update",
        str(mum.public_id),
        {"closeness": [4, 2], "notes": "[changed]"},
    )


def test_edit_form_starts_from_the_stored_values(client, login, therapist, mum):
    login(therapist)

    response = client.get(edit_url(mum))

    form = response.context["form"]
    assert response.status_code == 200
    assert {name: form[name].value() for name in form.fields if name != "loaded"} == {
        "label": "Mum",
        "relationship": "mother",
        "era": "childhood",
        "contact": "in_contact",
        "closeness": 4,
        "conflict": 3,
        "notes": "Warm but unpredictable",
    }
    assert form["loaded"].value() == mum.updated_at.isoformat()


def test_saving_without_a_change_writes_nothing(client, login, therapist, mum):
    login(therapist)

    response = client.post(edit_url(mum), edit_data(client, mum), follow=True)

    assert [str(m) for m in response.context["messages"]] == ["Nothing changed."]
    assert events() == []


def test_edit_with_bad_input_keeps_input_and_changes_nothing(client, login, therapist, mum):
    login(therapist)

    response = client.post(
        edit_url(mum), edit_data(client, mum, relationship="", conflict="0", notes=NOTES)
    )

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"relationship", "conflict"}
    assert NOTES in response.content.decode()
    mum.refresh_from_db()
    assert (mum.relationship, mum.conflict) == ("mother", 3)
    assert events() == []


def test_edit_after_someone_else_saved_is_refused_and_keeps_the_input(
    client, login, therapist, supervisor, mum, frozen
):
    login(therapist)
    stale = edit_data(client, mum, label="Mother", notes=NOTES)
    frozen.shift(dt.timedelta(minutes=3))
    services.update_person(person=mum, data={"conflict": 5}, by=supervisor)

    response = client.post(edit_url(mum), stale)

    assert response.status_code == 409
    assert response.context["form"].non_field_errors() == [STALE_EDIT_MESSAGE]
    assert NOTES in response.content.decode()
    mum.refresh_from_db()
    assert (mum.label, mum.conflict) == ("Mum", 5)
    assert [e.action for e in events()] == ["person.update"]


# Archiving


def test_archive_takes_someone_off_the_picture_but_their_episodes_keep_them(
    client, login, therapist, jo, mum
):
    course = CourseFactory(client=jo, state="active")
    episode = EpisodeFactory(course=course, person=mum)
    PersonFactory(client=jo, label="Sam", era="current", closeness=5)
    login(therapist)

    response = client.post(archive_url(mum))

    assert (response.status_code, response["Location"]) == (302, map_url(jo))
    (event,) = events()
    assert (event.action, event.object_id) == ("person.archive", str(mum.public_id))
    page = client.get(map_url(jo))
    assert people_in_picture(page) == ["Sam"]
    assert [r.person.label for r in page.context["rows"]] == ["Sam"]
    assert page.context["archived"] == [Person.objects.get(pk=mum.pk)]
    assert "Taken off the map" in page.content.decode()
    assert Episode.objects.get(pk=episode.pk).person_id == mum.pk
    mum.refresh_from_db()
    assert mum.archived_at == NOW


def test_archiving_twice_writes_one_event(client, login, therapist, mum):
    login(therapist)

    client.post(archive_url(mum))
    client.post(archive_url(mum))

    assert [e.action for e in events()] == ["person.archive"]


def test_archive_only_accepts_post(client, login, therapist, mum):
    login(therapist)

    response = client.get(archive_url(mum))

    assert response.status_code == 405
    mum.refresh_from_db()
    assert mum.archived_at is None


# Encryption and the audit log


def test_notes_are_encrypted_at_rest_and_never_reach_the_audit_log(client, login, therapist, jo):
    login(therapist)
    client.post(map_url(jo), person_data(notes=NOTES))
    person = Person.objects.get()
    client.post(edit_url(person), edit_data(client, person, notes=NOTES + " and after"))

    with connection.cursor() as cursor:
        cursor.execute("SELECT notes FROM formulation_person WHERE id = %s", [person.pk])
        (stored,) = cursor.fetchone()

    assert stored.startswith("pw1:")
    assert "NOTES-CANARY" not in stored
    assert Person.objects.get().notes == NOTES + " and after"
    changes = [e.changes for e in events()]
    assert changes == [{"notes": "[changed]"}, {"notes": "[changed]"}]
    assert "NOTES-CANARY" not in str(list(AuditEvent.objects.values_list("changes", flat=True)))


# A closed record


def test_a_closed_records_map_can_be_read_but_not_changed(client, login, therapist, jo, mum):
    jo.status = "closed"
    jo.save(update_fields=["status"])
    login(therapist)

    page = client.get(map_url(jo))
    added = client.post(map_url(jo), person_data(label="Dad"))
    edited = client.post(edit_url(mum), edit_data(client, mum, conflict="5"))
    archived = client.post(archive_url(mum))

    html = page.content.decode()
    assert people_in_picture(page) == ["Mum"]
    assert 'id="add-person"' not in html
    assert escape(str(MAP_READ_ONLY)) in html
    assert added.status_code == 400
    assert added.context["form"].non_field_errors() == [str(MAP_READ_ONLY)]
    assert edited.status_code == 400
    assert archived.status_code == 409
    edit_page = client.get(edit_url(mum)).content.decode()
    assert f'action="{edit_url(mum)}"' not in edit_page
    assert f'action="{archive_url(mum)}"' not in edit_page
    assert escape(str(MAP_READ_ONLY)) in edit_page
    mum.refresh_from_db()
    assert (mum.conflict, mum.archived_at) == (3, None)
    assert list(Person.objects.values_list("label", flat=True)) == ["Mum"]
    assert events() == []


# Who may see it


def test_another_therapists_client_map_is_not_found(
    client, login, therapist, other_therapist, jo, mum
):
    login(other_therapist)

    responses = [
        client.get(map_url(jo)),
        client.post(map_url(jo), person_data(label="Intruder")),
        client.get(edit_url(mum)),
        client.post(edit_url(mum), person_data(label="Intruder")),
        client.post(archive_url(mum)),
    ]

    assert [r.status_code for r in responses] == [404] * 5
    assert list(Person.objects.values_list("label", flat=True)) == ["Mum"]
    assert events() == []
    assert AuditEvent.objects.filter(action="access.denied").count() == 5


def test_another_practices_therapist_and_admin_get_not_found(
    client, login, foreign_therapist, foreign_admin, jo, mum
):
    for member in (foreign_therapist, foreign_admin):
        login(member)
        assert client.get(map_url(jo)).status_code == 404
        assert client.post(map_url(jo), person_data(label="Intruder")).status_code == 404
        assert client.get(edit_url(mum)).status_code == 404
        assert client.post(archive_url(mum)).status_code == 404

    assert list(Person.objects.values_list("label", flat=True)) == ["Mum"]
    assert events() == []


def test_the_supervisor_of_the_therapist_sees_and_edits_the_map(client, login, supervisor, jo, mum):
    login(supervisor)

    page = client.get(map_url(jo))
    response = client.post(map_url(jo), person_data(label="Sam", era="current"))

    assert people_in_picture(page) == ["Mum"]
    assert response.status_code == 302
    (event,) = events()
    assert (event.action, event.actor) == ("person.add", supervisor.user)


@pytest.mark.parametrize(("allowed", "status"), [(False, 404), (True, 200)])
def test_an_admin_reads_the_map_only_where_the_practice_allows_it(
    client, login, admin, jo, mum, allowed, status
):
    admin.practice.admins_read_clinical = allowed
    admin.practice.save(update_fields=["admins_read_clinical"])
    login(admin)

    response = client.get(map_url(jo))
    detail = client.get(reverse("clinic:client-detail", args=[jo.public_id])).content.decode()

    assert response.status_code == status
    assert (map_url(jo) in detail) == allowed


# Links and query counts


def test_client_and_course_pages_link_to_the_map(client, login, therapist, jo):
    course = CourseFactory(client=jo, state="active")
    login(therapist)

    detail = client.get(reverse("clinic:client-detail", args=[jo.public_id])).content.decode()
    course_page = client.get(reverse("clinic:course-detail", args=[course.public_id]))

    link = f'href="{map_url(jo)}"'
    assert link in detail
    assert link in course_page.content.decode()


@pytest.mark.parametrize("count", [3, 30])
def test_map_page_query_count_does_not_grow_with_people(
    client, login, therapist, jo, count, django_assert_num_queries
):
    eras = ("childhood", "adolescence", "adult_past", "current")
    for i in range(count):
        PersonFactory(
            client=jo,
            label=f"Person {i:02}",
            era=eras[i % 4],
            closeness=1 + i % 5,
            conflict=1 + (i * 2) % 5,
            notes=f"Note {i}",
            contact=("in_contact", "died", "no_contact", "unknown")[i % 4],
        )
    PersonFactory(client=jo, label="Gone", archived_at=NOW)
    login(therapist)
    client.get(map_url(jo))

    # Session, user, device and membership; the client; everyone on the map, archived
    # included; the open referrals for the navigation; the session saved (three with its
    # savepoint).
    with django_assert_num_queries(10):
        response = client.get(map_url(jo))

    assert len(response.context["rows"]) == count
    assert picture(response).count('<g class="relmap__person') == count
    assert [p.label for p in response.context["archived"]] == ["Gone"]
