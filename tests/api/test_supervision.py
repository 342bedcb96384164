"""Supervision records, session ratings and not-on-track flags through the API: what each
member reads is what their pages show them, and every read is recorded."""

import datetime as dt

import pytest

from patternwork.accounts.access import READ_ACTION
from patternwork.audit.models import AuditEvent
from patternwork.supervision import services as supervision
from patternwork.supervision.models import Rubric
from patternwork.supervision.services import items_for_phase
from tests.api.conftest import api_as, body
from tests.course_fixtures import new_course

pytestmark = pytest.mark.usefixtures("frozen")

TODAY = dt.date(2026, 4, 1)


def reads_of(kind):
    return set(
        AuditEvent.objects.filter(action=READ_ACTION, changes__kind=kind).values_list(
            "object_id", flat=True
        )
    )


@pytest.fixture
def rated(flagged, supervisor):
    """The supervisor's rating of Jo's second session, every initial item 2 and 4."""
    supervision.ensure_default_rubric(supervisor.practice)
    form = Rubric.objects.get(practice=supervisor.practice, is_current=True)
    appointment = flagged.response.appointment
    return supervision.rate_session(
        appointment=appointment,
        scores={item.pk: (2, 4) for item in items_for_phase(form, "initial")},
        comment="The focus was held.",
        actor=supervisor,
    )


@pytest.fixture
def group(supervisor, therapist, other_therapist, flagged):
    """Group supervision of both therapists, about a client of each, an action each; the
    therapist's action is about the colleague's client."""
    supervisor.supervisees.add(other_therapist)
    colleague_client = new_course(other_therapist, planned=16, name="Pat Outsider").client
    session = supervision.record_supervision(
        supervisor=supervisor,
        held_on=TODAY,
        supervisees=[therapist, other_therapist],
        clients=[flagged.client, colleague_client],
        notes="Both clients withdraw when groups close ranks.",
    )
    mine = supervision.add_action(
        session=session,
        owner=therapist,
        text="Ask how the group handles the ending",
        due_on=TODAY + dt.timedelta(days=14),
        client=colleague_client,
        actor=supervisor,
    )
    theirs = supervision.add_action(
        session=session,
        owner=other_therapist,
        text="Bring the session 3 material",
        due_on=TODAY + dt.timedelta(days=7),
        client=colleague_client,
        actor=supervisor,
    )
    return session, colleague_client, mine, theirs


def test_the_therapist_reads_their_clients_flag_with_the_why(api, flagged):
    response = api.get(f"/api/v1/not-on-track-flags/{flagged.public_id}/")

    assert response.status_code == 200
    found = body(response)
    assert {k: found[k] for k in ("client", "course", "response")} == {
        "client": str(flagged.client.public_id),
        "course": str(flagged.course.public_id),
        "response": str(flagged.response.public_id),
    }
    assert (found["session"], found["score"], found["first_score"]) == (2, 18, 12)
    assert (found["expected_low"], found["expected_high"]) == (
        flagged.expected_low,
        flagged.expected_high,
    )
    assert (found["basis"], found["reason"], found["is_open"]) == ("rule", flagged.reason, True)
    assert reads_of("not-on-track flag") == {str(flagged.client.public_id)}


def test_flags_filter_by_state(api, flagged, therapist):
    assert [
        f["id"] for f in body(api.get("/api/v1/not-on-track-flags/?state=open"))["results"]
    ] == [str(flagged.public_id)]
    assert body(api.get("/api/v1/not-on-track-flags/?state=closed"))["results"] == []
    bad = api.get("/api/v1/not-on-track-flags/?state=sideways")
    assert bad.status_code == 400


def test_the_therapist_reads_the_rating_of_their_session(api, rated, therapist, supervisor):
    response = api.get("/api/v1/session-ratings/")

    assert response.status_code == 200
    [found] = body(response)["results"]
    assert found["id"] == str(rated.public_id)
    assert (found["therapist"], found["rater"]) == (
        str(therapist.public_id),
        str(supervisor.public_id),
    )
    assert (found["phase"], found["rubric_version"], found["comment"]) == (
        "initial",
        1,
        "The focus was held.",
    )
    assert len(found["items"]) == rated.items.count()
    assert {(i["frequency"], i["competence"]) for i in found["items"]} == {(2, 4)}
    assert set(found["domain_means"].values()) == {4.0}
    assert reads_of("session rating") == {str(rated.course.client.public_id)}


def test_the_supervisor_reads_their_supervisees_flags_and_ratings(supervisor, rated, flagged):
    api = api_as(supervisor)

    flags = body(api.get("/api/v1/not-on-track-flags/"))["results"]
    ratings = body(api.get("/api/v1/session-ratings/"))["results"]

    assert [f["id"] for f in flags] == [str(flagged.public_id)]
    assert [r["id"] for r in ratings] == [str(rated.public_id)]


def test_an_admin_reads_flags_and_ratings_only_where_the_practice_allows(admin, rated, flagged):
    api = api_as(admin)
    urls = [
        f"/api/v1/not-on-track-flags/{flagged.public_id}/",
        f"/api/v1/session-ratings/{rated.public_id}/",
    ]
    assert [api.get(url).status_code for url in urls] == [404, 404]
    assert body(api.get("/api/v1/session-ratings/"))["results"] == []

    admin.practice.admins_read_clinical = True
    admin.practice.save(update_fields=["admins_read_clinical"])
    assert [api.get(url).status_code for url in urls] == [200, 200]


def test_another_therapist_gets_a_404_for_the_flag_and_the_rating(colleague_api, rated, flagged):
    for url in (
        f"/api/v1/not-on-track-flags/{flagged.public_id}/",
        f"/api/v1/session-ratings/{rated.public_id}/",
    ):
        assert colleague_api.get(url).status_code == 404
    assert body(colleague_api.get("/api/v1/not-on-track-flags/"))["results"] == []


def test_a_supervisee_reads_the_session_without_the_notes_or_a_colleagues_client(
    api, group, flagged
):
    session, colleague_client, mine, _theirs = group

    response = api.get(f"/api/v1/supervision-sessions/{session.public_id}/")

    assert response.status_code == 200
    found = body(response)
    assert found["held_on"] == "2026-04-01"
    assert found["notes"] is None
    assert found["clients"] == [str(flagged.client.public_id)]
    assert [(a["id"], a["text"], a["client"], a["due_on"]) for a in found["actions"]] == [
        (str(mine.public_id), "Ask how the group handles the ending", None, "2026-04-15")
    ]
    assert reads_of("supervision session") == {str(flagged.client.public_id)}
    assert str(colleague_client.public_id) not in response.content.decode()


def test_the_supervisor_reads_the_whole_session(supervisor, group, flagged):
    session, colleague_client, mine, theirs = group

    [found] = body(api_as(supervisor).get("/api/v1/supervision-sessions/"))["results"]

    assert found["id"] == str(session.public_id)
    assert found["notes"] == "Both clients withdraw when groups close ranks."
    assert set(found["clients"]) == {str(flagged.client.public_id), str(colleague_client.public_id)}
    assert [(a["id"], a["client"]) for a in found["actions"]] == [
        (str(theirs.public_id), str(colleague_client.public_id)),
        (str(mine.public_id), str(colleague_client.public_id)),
    ]
    assert reads_of("supervision session") == {
        str(flagged.client.public_id),
        str(colleague_client.public_id),
    }


def test_filtering_sessions_by_a_colleagues_client_shows_nothing(api, group, flagged):
    session, colleague_client, _mine, _theirs = group

    own = body(api.get(f"/api/v1/supervision-sessions/?client={flagged.client.public_id}"))
    other = body(api.get(f"/api/v1/supervision-sessions/?client={colleague_client.public_id}"))

    assert [s["id"] for s in own["results"]] == [str(session.public_id)]
    assert other["results"] == []


def test_sessions_filter_by_date_and_refuse_a_bad_one(api, group):
    session = group[0]
    assert [
        s["id"]
        for s in body(api.get("/api/v1/supervision-sessions/?held_from=2026-04-01"))["results"]
    ] == [str(session.public_id)]
    assert body(api.get("/api/v1/supervision-sessions/?held_to=2026-03-31"))["results"] == []
    bad = api.get("/api/v1/supervision-sessions/?held_from=yesterday")
    assert bad.status_code == 400
    assert bad["Content-Type"] == "application/problem+json"


def test_supervision_sessions_are_not_for_admins(admin, group):
    api = api_as(admin)
    assert api.get("/api/v1/supervision-sessions/").status_code == 403
    assert api.get(f"/api/v1/supervision-sessions/{group[0].public_id}/").status_code == 404
    assert AuditEvent.objects.filter(action="access.denied").count() == 2
