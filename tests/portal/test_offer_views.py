"""The client's offer of a start on the portal."""

import datetime as dt

import pytest
from django.urls import reverse

from patternwork.audit.models import AuditEvent
from patternwork.treatment.models import Offer
from patternwork.treatment.services import waiting
from tests.factories import CourseFactory, PortalClientFactory, WaitingEntryFactory

pytestmark = pytest.mark.usefixtures("frozen")

NOW = dt.datetime(2026, 4, 15, 11, 0, tzinfo=dt.UTC)
FIRST = dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.UTC)  # 10:00 in London


@pytest.fixture
def offer(therapist, jo):
    course = CourseFactory(client=jo, state="assessment")
    entry = WaitingEntryFactory(course=course)
    return waiting.make_offer(entry=entry, therapist=therapist, starts_at=FIRST, actor=therapist)


def test_the_offer_shows_on_home_and_the_client_accepts_it(client, jo, offer):
    client.force_login(jo.user)

    home = client.get(reverse("portal:home")).content.decode()
    page = client.get(reverse("portal:offer", args=[offer.public_id])).content.decode()
    answered = client.post(reverse("portal:offer", args=[offer.public_id]), {"answer": "accept"})

    offer.refresh_from_db()
    course = offer.entry.course
    course.refresh_from_db()
    assert reverse("portal:offer", args=[offer.public_id]) in home
    assert "Monday 4 May 2026 at 10:00" in page
    assert answered.status_code == 302
    assert offer.status == Offer.Status.ACCEPTED
    assert (course.state, course.start_date, course.start_time) == (
        "active",
        dt.date(2026, 5, 4),
        dt.time(10, 0),
    )
    event = AuditEvent.objects.get(action="offer.answer")
    assert (event.actor, event.actor_role) == (jo.user, "client")


def test_the_client_declines_and_stays_waiting(client, jo, offer):
    client.force_login(jo.user)

    client.post(reverse("portal:offer", args=[offer.public_id]), {"answer": "decline"})

    offer.refresh_from_db()
    assert offer.status == Offer.Status.DECLINED
    assert offer.entry.left_at is None


def test_an_answer_after_the_deadline_is_refused_and_the_offer_lapses(client, jo, offer, frozen):
    frozen.shift(dt.timedelta(days=8))
    client.force_login(jo.user)

    client.post(reverse("portal:offer", args=[offer.public_id]), {"answer": "accept"})
    page = client.get(reverse("portal:offer", args=[offer.public_id])).content.decode()

    offer.refresh_from_db()
    assert offer.status == Offer.Status.LAPSED
    assert "has lapsed" in page
    assert offer.entry.course.appointments.count() == 0


def test_a_missing_answer_is_a_400(client, jo, offer):
    client.force_login(jo.user)

    response = client.post(reverse("portal:offer", args=[offer.public_id]), {"answer": "maybe"})

    assert response.status_code == 400
    assert Offer.objects.get().status == Offer.Status.OPEN


def test_another_clients_offer_is_not_found(client, therapist, offer):
    other = PortalClientFactory(practice=therapist.practice, therapist=therapist)
    client.force_login(other.user)

    assert client.get(reverse("portal:offer", args=[offer.public_id])).status_code == 404


def test_a_withdrawn_offer_cannot_be_answered_and_points_to_the_letter(client, jo, offer):
    Offer.objects.filter(pk=offer.pk).update(status=Offer.Status.WITHDRAWN)
    client.force_login(jo.user)

    page = client.get(reverse("portal:offer", args=[offer.public_id])).content.decode()
    answered = client.post(reverse("portal:offer", args=[offer.public_id]), {"answer": "accept"})

    offer.refresh_from_db()
    assert "This offer was withdrawn" in page
    assert "Send my answer" not in page
    assert answered.status_code == 400
    assert "This offer was withdrawn" in answered.content.decode()
    assert offer.status == Offer.Status.WITHDRAWN
