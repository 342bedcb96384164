"""The client reads and keeps their goodbye letter in the portal."""

import io

import pypdf
import pytest
from django.urls import reverse

from patternwork.audit.models import AuditEvent
from patternwork.letters import services
from patternwork.letters.models import Letter
from patternwork.treatment import services as treatment
from tests.course_fixtures import ENDING_NOW
from tests.factories import (
    ClientFactory,
    CourseFactory,
    LetterFactory,
    UserFactory,
)

# The clock of the `frozen` fixture.
NOW = ENDING_NOW

pytestmark = pytest.mark.usefixtures("frozen")

WRITTEN = "Thank you for the work we did.\n\nWhat to watch for\n\nWhen you go quiet, say so."


@pytest.fixture
def course(db, ending_built_once):
    """The ending course, built once for the module (course_fixtures.ending_built_once),
    its client given a portal login in the test's own savepoint."""
    course = ending_built_once.course()
    course.client.user = UserFactory(full_name="Jo Bloggs", email="jo@example.test")
    course.client.save(update_fields=["user"])
    return course


@pytest.fixture
def draft(course, therapist):
    letter = services.start_letter(course=course, by=therapist)
    return services.save_letter(letter=letter, body=WRITTEN, expected_version=1, by=therapist)


@pytest.fixture
def shared(draft, therapist):
    return services.share_letter(letter=draft, expected_version=2, by=therapist)


@pytest.fixture
def jo(client, course):
    client.force_login(course.client.user)
    return client


def url(name, letter=None):
    return reverse(name, args=[letter.public_id] if letter else [])


def shared_letter_of_someone_else(practice, therapist):
    record = ClientFactory(practice=practice, therapist=therapist, full_name="Kim Other")
    record.user = UserFactory(full_name="Kim Other")
    record.save(update_fields=["user"])
    return LetterFactory(
        course=CourseFactory(client=record, state="active"), state="shared", shared_at=NOW
    )


def test_letters_list_shows_only_shared_letters(jo, draft):
    before = jo.get(url("portal:letters"))
    services.share_letter(letter=draft, expected_version=2, by=draft.author)

    after = jo.get(url("portal:letters"))

    assert before.context["letters"] == []
    assert "There are no letters here yet." in before.content.decode()
    assert after.context["letters"] == [Letter.objects.get()]
    assert "Goodbye letter from Dr Ada Therapist" in after.content.decode()
    assert "Shared with you on 27 May 2026" in after.content.decode()


def test_client_reads_the_shared_letter_with_the_crisis_information(jo, shared, practice):
    response = jo.get(url("portal:letter", shared))

    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["document"].greeting == "Dear Jo,"
    assert [b.text for b in response.context["document"].blocks] == [
        "Thank you for the work we did.",
        "What to watch for",
        "When you go quiet, say so.",
    ]
    assert '<h2 class="letter-paper__heading">What to watch for</h2>' in html
    assert "Samaritans are there day and night on 116 123 (free)." in html
    assert f'href="{url("portal:letter-pdf", shared)}"' in html
    assert "DRAFT" not in html


def test_discussed_letter_stays_readable(jo, shared, therapist):
    services.mark_discussed(letter=shared, by=therapist)

    assert jo.get(url("portal:letter", shared)).status_code == 200


def test_client_downloads_the_letter_as_an_audited_attachment(jo, shared, course):
    response = jo.get(url("portal:letter-pdf", shared))

    content = b"".join(response.streaming_content)
    text = pypdf.PdfReader(io.BytesIO(content)).pages[0].extract_text()
    assert response["Content-Disposition"] == 'attachment; filename="goodbye-letter.pdf"'
    assert (response["X-Content-Type-Options"], response["Cache-Control"]) == (
        "nosniff",
        "no-store",
    )
    assert "Dear Jo," in text
    assert "When you go quiet, say so." in text
    assert "DRAFT" not in text
    event = AuditEvent.objects.get(action="letter.download")
    assert (event.actor, event.actor_role, event.practice, event.changes) == (
        course.client.user,
        "client",
        course.practice,
        {"version": 2},
    )


@pytest.mark.parametrize("name", ["portal:letter", "portal:letter-pdf"])
def test_draft_letter_never_reaches_the_client(jo, draft, name):
    response = jo.get(url(name, draft))

    assert response.status_code == 404
    assert AuditEvent.objects.filter(action="letter.download").count() == 0


@pytest.mark.parametrize("name", ["portal:letter", "portal:letter-pdf"])
def test_another_clients_letter_is_not_found(jo, shared, practice, other_therapist, name):
    theirs = shared_letter_of_someone_else(practice, other_therapist)

    response = jo.get(url(name, theirs))

    assert response.status_code == 404
    assert jo.get(url("portal:letters")).context["letters"] == [shared]
    denied = AuditEvent.objects.get(action="access.denied")
    assert denied.object_id == str(theirs.public_id)


@pytest.mark.parametrize("name", ["portal:letter", "portal:letter-pdf"])
def test_a_letter_of_another_practice_is_not_found(jo, foreign_therapist, name):
    theirs = shared_letter_of_someone_else(foreign_therapist.practice, foreign_therapist)

    assert jo.get(url(name, theirs)).status_code == 404


@pytest.mark.parametrize("name", ["portal:letters", "portal:letter", "portal:letter-pdf"])
def test_staff_have_no_portal_letter_pages(client, login, therapist, shared, name):
    login(therapist)

    response = client.get(url(name, None if name == "portal:letters" else shared))

    assert response.status_code == 404


def test_anonymous_visitor_is_sent_to_the_portal_login(client, shared):
    response = client.get(url("portal:letter", shared))

    assert response.status_code == 302
    assert response["Location"] == (
        f"{reverse('portal:login')}?next=%2Fportal%2Fletters%2F{shared.public_id}%2F"
    )


def test_hostile_letter_text_is_escaped_for_the_client(jo, course, therapist):
    letter = services.start_letter(course=course, by=therapist)
    services.save_letter(
        letter=letter, body="<script>alert(1)</script>", expected_version=1, by=therapist
    )
    services.share_letter(letter=letter, expected_version=2, by=therapist)

    html = jo.get(url("portal:letter", letter)).content.decode()

    assert "<script>alert(1)</script>" not in html
    assert '<p dir="auto">&lt;script&gt;alert(1)&lt;/script&gt;</p>' in html


def test_letters_list_queries_do_not_grow_with_letters(
    jo, course, therapist, shared, django_assert_num_queries
):
    jo.get(url("portal:letters"))
    with django_assert_num_queries(6) as few:
        jo.get(url("portal:letters"))
    treatment.end_course(course=course, reason="completed", note="", actor=therapist)
    for _ in range(2):
        earlier = CourseFactory(client=course.client, state="ended", end_reason="completed")
        LetterFactory(course=earlier, state="shared", shared_at=NOW)

    with django_assert_num_queries(len(few)):
        response = jo.get(url("portal:letters"))

    assert len(response.context["letters"]) == 3
