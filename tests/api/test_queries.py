"""Every list is built in the same number of queries at 1 item and at 100."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests import factories, objects
from tests.api.conftest import API_BUILDERS, body

# The rate limit counts in fixed windows: a window opening between the two requests
# would cost the second one more queries than the first, so the clock stands still.
pytestmark = pytest.mark.usefixtures("frozen")


def _course(therapist):
    client = factories.ClientFactory(practice=therapist.practice, therapist=therapist)
    return factories.CourseFactory(client=client, state="active")


def _many(build):
    """Make n rows of one kind for the therapist, sharing one course where they can."""

    def make(therapist, n):
        course = _course(therapist)
        for _ in range(n):
            build(therapist, course)

    return make


def _attended(course):
    return factories.AppointmentFactory(course=course, status="attended", session_number=1)


def _supervision(therapist, course):
    """A session the therapist attended, discussing their client, with their action."""
    session = objects.BUILDERS["supervision_session"](therapist)
    session.clients.add(course.client)
    session.actions.create(
        owner=therapist, client=course.client, text="Fictional action", due_on=session.held_on
    )


LISTS = {
    "/api/v1/clients/": lambda t, n: [
        factories.ClientFactory(practice=t.practice, therapist=t) for _ in range(n)
    ],
    "/api/v1/referrals/": lambda t, n: [
        factories.ReferralFactory(
            practice=t.practice,
            status="accepted",
            client=factories.ClientFactory(practice=t.practice, therapist=t),
        )
        for _ in range(n)
    ],
    "/api/v1/courses/": lambda t, n: [_course(t) for _ in range(n)],
    "/api/v1/appointments/": _many(lambda t, c: factories.AppointmentFactory(course=c)),
    "/api/v1/questionnaire-responses/": _many(
        lambda t, c: factories.ResponseFactory(appointment=_attended(c))
    ),
    "/api/v1/risk-flags/": _many(
        lambda t, c: factories.RiskFlagFactory(response__appointment=_attended(c))
    ),
    "/api/v1/people/": _many(lambda t, c: factories.PersonFactory(client=c.client)),
    "/api/v1/episodes/": _many(lambda t, c: factories.EpisodeFactory(course=c)),
    "/api/v1/ipaf-versions/": _many(lambda t, c: factories.IpafVersionFactory(course=c)),
    "/api/v1/session-notes/": _many(
        lambda t, c: factories.SessionNoteFactory(
            appointment=_attended(c), signed_at=timezone.now(), signed_by=t
        )
    ),
    "/api/v1/supervision-sessions/": _many(_supervision),
    "/api/v1/session-ratings/": _many(API_BUILDERS["session_rating"]),
    # One open flag per course: the others on the shared course were cleared.
    "/api/v1/not-on-track-flags/": _many(
        lambda t, c: factories.TrackFlagFactory(
            response__appointment=_attended(c), cleared_at=timezone.now()
        )
    ),
}


# Lists whose rows carry more related lists than the usual one prefetch: a supervision
# session's supervisees, clients discussed and actions are three.
MORE_PREFETCHES = {"/api/v1/supervision-sessions/": 2}


def _queries(api, url) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = api.get(url, {"limit": 100})
    assert response.status_code == 200, response.content
    return len(captured), len(body(response)["results"])


@pytest.mark.parametrize("url", sorted(LISTS))
def test_list_query_count_is_the_same_at_1_and_100_items(
    api, therapist, django_assert_num_queries, url
):
    LISTS[url](therapist, 1)
    api.get("/api/v1/me/")  # the token's use and the rate window are noted once
    at_one, items = _queries(api, url)
    assert items == 1

    LISTS[url](therapist, 99)
    with django_assert_num_queries(at_one):
        response = api.get(url, {"limit": 100})

    assert len(body(response)["results"]) == 100
    # Token, rate count (2), the scope's supervisees at most, the page, its prefetches
    # and the recorded reads (the audit chain head locked, one INSERT, the head moved on).
    assert at_one <= 10 + MORE_PREFETCHES.get(url, 0)
