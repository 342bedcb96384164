"""Reading a page never writes: the default categories exist from the practice's creation."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from patternwork.accounts.models import Membership
from patternwork.accounts.services import create_practice
from patternwork.audit.models import AuditEvent
from patternwork.formulation.categories import DEFAULT_CATEGORIES
from patternwork.formulation.models import Category
from tests.conftest import written_tables
from tests.factories import ClientFactory, CourseFactory, EpisodeFactory, MembershipFactory

PAGES = {
    "category set": lambda episode: reverse("clinic:category-set"),
    "pattern": lambda episode: reverse("clinic:pattern", args=[episode.client.public_id]),
    "new episode": lambda episode: reverse("clinic:episode-new", args=[episode.course.public_id]),
    "episode": lambda episode: reverse("clinic:episode-detail", args=[episode.public_id]),
}
WISHES = [d.label for d in DEFAULT_CATEGORIES if d.part == "wish"]


@pytest.fixture
def fresh(db):
    """A practice made as a real one is, with a therapist and one logged episode."""
    practice, _admin = create_practice(
        name="Eastfield Therapies", admin_email="lead@eastfield.test", admin_name="Lee Lead"
    )
    therapist = MembershipFactory(practice=practice, role=Membership.Role.THERAPIST)
    course = CourseFactory(client=ClientFactory(practice=practice, therapist=therapist))
    return EpisodeFactory(course=course)


def counts():
    # Reading clinical content is recorded (record.read); nothing else may be written.
    return Category.objects.count(), AuditEvent.objects.exclude(action="record.read").count()


@pytest.mark.parametrize("page", PAGES)
def test_reading_a_page_of_a_new_practice_writes_nothing(client, login, fresh, page):
    login(fresh.course.therapist)
    client.get(reverse("clinic:home"))  # the session's first request settles its practice
    before = counts()

    with CaptureQueriesContext(connection) as queries:
        response = client.get(PAGES[page](fresh))

    assert response.status_code == 200
    assert counts() == before
    assert written_tables(queries) <= {"audit_auditevent", "audit_auditchainhead"}


@pytest.mark.parametrize("page", ["category set", "new episode", "episode"])
def test_a_new_practice_offers_the_default_categories(client, login, fresh, page):
    login(fresh.course.therapist)

    content = client.get(PAGES[page](fresh)).content.decode()

    assert all(label in content for label in WISHES)


@pytest.mark.parametrize("page", ["pattern", "new episode", "episode"])
def test_another_therapists_client_is_not_found_and_nothing_is_written(client, login, fresh, page):
    login(MembershipFactory(practice=fresh.practice, role=Membership.Role.THERAPIST))
    client.get(reverse("clinic:home"))
    before = Category.objects.count()

    response = client.get(PAGES[page](fresh))

    assert response.status_code == 404
    assert Category.objects.count() == before
