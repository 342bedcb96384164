"""Every list is built in the same number of queries at 1 item and at 100."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from patternwork.supervision import services as supervision
from patternwork.supervision.models import (
    ItemRating,
    Rubric,
    SessionRating,
    SupervisionAction,
    SupervisionSession,
)
from tests import factories
from tests.api.conftest import body

# The rate limit counts in fixed windows: a window opening between the two requests
# would cost the second one more queries than the first, so the clock stands still.
pytestmark = pytest.mark.usefixtures("frozen")


# The rows are the ones the factories' create makes, one by one, built unsaved and
# written in one INSERT per kind: a hundred rows built one save at a time cost most of
# this module's time, and the list under test reads the same rows either way.
def _rows(factory, values):
    return factory._meta.model.objects.bulk_create([factory.build(**v) for v in values])


def _clients(therapist, n):
    return _rows(
        factories.ClientFactory, [{"practice": therapist.practice, "therapist": therapist}] * n
    )


def _courses(therapist, n):
    return _rows(
        factories.CourseFactory,
        [{"client": client, "state": "active"} for client in _clients(therapist, n)],
    )


def _members(practice, n, role):
    users = _rows(factories.UserFactory, [{}] * n)
    return _rows(
        factories.MembershipFactory,
        [{"user": user, "practice": practice, "role": role} for user in users],
    )


def _attended(course, n):
    return _rows(
        factories.AppointmentFactory,
        [{"course": course, "status": "attended", "session_number": 1}] * n,
    )


def _responses(course, n, **values):
    return _rows(
        factories.ResponseFactory,
        [{"appointment": appointment, **values} for appointment in _attended(course, n)],
    )


def _on_one_course(build):
    """Make n rows of one kind for the therapist, sharing one new course."""

    def make(therapist, n):
        (course,) = _courses(therapist, 1)
        build(therapist, course, n)

    return make


def _referrals(therapist, n):
    _rows(
        factories.ReferralFactory,
        [
            {"practice": therapist.practice, "status": "accepted", "client": client}
            for client in _clients(therapist, n)
        ],
    )


def _episodes(therapist, course, n):
    people = _rows(factories.PersonFactory, [{"client": course.client}] * n)
    _rows(factories.EpisodeFactory, [{"course": course, "person": person} for person in people])


def _supervision(therapist, course, n):
    """Sessions the therapist attended, each with its own supervisor, discussing the
    therapist's client, each with the therapist's action."""
    practice = therapist.practice
    sessions = SupervisionSession.objects.bulk_create(
        SupervisionSession(practice=practice, supervisor=supervisor, held_on=timezone.localdate())
        for supervisor in _members(practice, n, "supervisor")
    )
    SupervisionSession.supervisees.through.objects.bulk_create(
        SupervisionSession.supervisees.through(supervisionsession=s, membership=therapist)
        for s in sessions
    )
    SupervisionSession.clients.through.objects.bulk_create(
        SupervisionSession.clients.through(supervisionsession=s, client=course.client)
        for s in sessions
    )
    SupervisionAction.objects.bulk_create(
        SupervisionAction(
            session=session,
            owner=therapist,
            client=course.client,
            text="Fictional action",
            due_on=session.held_on,
        )
        for session in sessions
    )


def _ratings(therapist, course, n):
    """A supervisor's rating of each of n attended sessions, on two items, each by its
    own rater."""
    practice = therapist.practice
    supervision.ensure_default_rubric(practice)
    form = Rubric.objects.get(practice=practice, is_current=True)
    items = list(form.items.all()[:2])
    ratings = SessionRating.objects.bulk_create(
        SessionRating(
            practice=practice,
            appointment=appointment,
            course=course,
            therapist=therapist,
            rater=rater,
            rubric=form,
            phase="initial",
            comment="Kept the focus on the pattern.",
        )
        for appointment, rater in zip(
            _attended(course, n), _members(practice, n, "supervisor"), strict=True
        )
    )
    ItemRating.objects.bulk_create(
        ItemRating(rating=rating, item=item, frequency=2, competence=competence)
        for rating in ratings
        for item, competence in zip(items, (4, 2), strict=True)
    )


LISTS = {
    "/api/v1/clients/": _clients,
    "/api/v1/referrals/": _referrals,
    "/api/v1/courses/": _courses,
    "/api/v1/appointments/": _on_one_course(
        lambda t, c, n: _rows(factories.AppointmentFactory, [{"course": c}] * n)
    ),
    "/api/v1/questionnaire-responses/": _on_one_course(lambda t, c, n: _responses(c, n)),
    "/api/v1/risk-flags/": _on_one_course(
        lambda t, c, n: _rows(
            factories.RiskFlagFactory, [{"response": r} for r in _responses(c, n)]
        )
    ),
    "/api/v1/people/": _on_one_course(
        lambda t, c, n: _rows(factories.PersonFactory, [{"client": c.client}] * n)
    ),
    "/api/v1/episodes/": _on_one_course(_episodes),
    "/api/v1/ipaf-versions/": _on_one_course(
        lambda t, c, n: _rows(factories.IpafVersionFactory, [{"course": c}] * n)
    ),
    "/api/v1/session-notes/": _on_one_course(
        lambda t, c, n: _rows(
            factories.SessionNoteFactory,
            [
                {"appointment": a, "signed_at": timezone.now(), "signed_by": t}
                for a in _attended(c, n)
            ],
        )
    ),
    "/api/v1/supervision-sessions/": _on_one_course(_supervision),
    "/api/v1/session-ratings/": _on_one_course(_ratings),
    # One open flag per course: the others on the shared course were cleared.
    "/api/v1/not-on-track-flags/": _on_one_course(
        lambda t, c, n: _rows(
            factories.TrackFlagFactory,
            [{"response": r, "cleared_at": timezone.now()} for r in _responses(c, n, total=18)],
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
