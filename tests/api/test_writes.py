"""Every API write goes through the page's service: one audit event, the page's action."""

import datetime as dt

import pytest

from patternwork.clients.models import Client, Referral
from patternwork.formulation.models import Episode
from patternwork.measures.models import Response
from patternwork.treatment.models import Appointment
from tests.api.conftest import body, etag, phq9, write_events
from tests.factories import PersonFactory

LATER = "2026-04-20T15:00:00+01:00"


def only_event(action: str, practice, *, before: int):
    events = write_events()[before:]
    assert [e.action for e in events] == [action]
    assert events[0].practice == practice
    return events[0]


def test_create_client_opens_a_course_for_the_clinician(api, therapist):
    before = len(write_events())
    response = api.post(
        "/api/v1/clients/",
        {"full_name": "Robin Example", "date_of_birth": "1988-02-03", "email": "r@example.test"},
    )

    assert response.status_code == 201, response.content
    client = Client.objects.get()
    assert body(response)["id"] == str(client.public_id)
    assert client.therapist == therapist
    assert client.courses.count() == 1
    assert response["Location"] == f"/api/v1/clients/{client.public_id}/"
    only_event("client.create", therapist.practice, before=before)


def test_client_with_a_future_birth_date_is_a_field_error(api):
    response = api.post("/api/v1/clients/", {"full_name": "X", "date_of_birth": "2999-01-01"})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert body(response)["errors"][0]["field"] == "date_of_birth"


def test_update_client_needs_if_match_and_writes_once(api, therapist):
    client = Client.objects.create(
        practice=therapist.practice,
        therapist=therapist,
        client_number="C00001",
        full_name="Jo Example",
        date_of_birth=dt.date(1990, 1, 1),
    )
    url = f"/api/v1/clients/{client.public_id}/"
    before = len(write_events())

    missing = api.patch(url, {"pronouns": "they/them"})
    response = api.patch(url, {"pronouns": "they/them"}, HTTP_IF_MATCH=etag(api, url))

    assert missing.status_code == 428
    assert response.status_code == 200
    assert body(response)["pronouns"] == "they/them"
    assert response["ETag"] != missing.get("ETag")
    only_event("client.update", therapist.practice, before=before)


def test_stale_if_match_is_412_and_nothing_is_written(api, therapist):
    client = Client.objects.create(
        practice=therapist.practice,
        therapist=therapist,
        client_number="C00001",
        full_name="Jo Example",
        date_of_birth=dt.date(1990, 1, 1),
    )
    url = f"/api/v1/clients/{client.public_id}/"
    old = etag(api, url)
    api.patch(url, {"pronouns": "she/her"}, HTTP_IF_MATCH=old)
    stored = Client.objects.values().get(pk=client.pk)
    before = len(write_events())

    response = api.patch(url, {"pronouns": "he/him"}, HTTP_IF_MATCH=old)

    assert response.status_code == 412
    assert body(response)["code"] == "stale"
    assert Client.objects.values().get(pk=client.pk) == stored
    assert write_events()[before:] == []


def test_referrals_staff_entry_and_self_referral(api, clinicians_triage, therapist):
    before = len(write_events())
    staff = api.post(
        "/api/v1/referrals/",
        {"full_name": "Alex Sample", "reason": "Low mood.", "email": "a@example.test"},
    )
    own = api.post(
        "/api/v1/referrals/self/",
        {
            "full_name": "Sam Sample",
            "reason": "Arguments at home.",
            "email": "s@example.test",
            "contact_by_email": True,
            "consent_contact": True,
            "consent_store": True,
        },
    )

    assert (staff.status_code, own.status_code) == (201, 201), own.content
    assert sorted(Referral.objects.values_list("source", flat=True)) == ["professional", "self"]
    assert [e.action for e in write_events()[before:]] == [
        "referral.create",
        "referral.self_submitted",
    ]


def test_self_referral_keeps_the_public_forms_rules(api):
    response = api.post(
        "/api/v1/referrals/self/",
        {"full_name": "Sam", "reason": "Help.", "consent_contact": True, "consent_store": False},
    )

    assert response.status_code == 400
    fields = {e["field"] for e in body(response)["errors"]}
    assert fields == {None, "consent_store"}
    assert not Referral.objects.exists()


def test_plan_change(api, therapist, started):
    url = f"/api/v1/courses/{started.public_id}/"
    before = len(write_events())

    response = api.patch(url, {"planned_sessions": 18}, HTTP_IF_MATCH=etag(api, url))

    assert response.status_code == 200, response.content
    data = body(response)
    assert (data["planned_sessions"], data["phases"]["initial"]) == (18, {"first": 1, "last": 5})
    assert {m["key"] for m in data["milestones"]} >= {"ipaf_agreed"}
    only_event("course.plan_change", therapist.practice, before=before)


@pytest.mark.parametrize(
    ("path", "payload", "action", "status"),
    [
        ("attended/", {}, "appointment.attended", "attended"),
        ("did-not-attend/", {}, "appointment.did_not_attend", "dna"),
        ("cancel/", {"by": "client", "reason": "Unwell"}, "appointment.cancel", "cancelled_client"),
    ],
)
def test_appointment_outcomes(api, therapist, started, path, payload, action, status):
    first = started.appointments.order_by("starts_at").first()
    if path == "cancel/":
        first = started.appointments.filter(starts_at__gt=LATER).order_by("starts_at").first()
    url = f"/api/v1/appointments/{first.public_id}/"
    before = len(write_events())

    response = api.post(url + path, payload, HTTP_IF_MATCH=etag(api, url))

    assert response.status_code == 200, response.content
    assert body(response)["status"] == status
    assert [e.action for e in write_events()[before:]] == [action]


def test_move_and_book(api, therapist, started):
    future = started.appointments.filter(starts_at__gt=LATER).order_by("starts_at").first()
    url = f"/api/v1/appointments/{future.public_id}/"
    before = len(write_events())

    moved = api.post(
        url + "move/", {"starts_at": "2026-04-22T09:00:00+01:00"}, HTTP_IF_MATCH=etag(api, url)
    )
    booked = api.post(
        "/api/v1/appointments/",
        {
            "course": str(started.public_id),
            "kind": "assessment",
            "starts_at": "2026-04-23T16:00:00+01:00",
            "minutes": 60,
        },
    )

    assert moved.status_code == 200, moved.content
    assert body(moved)["starts_at"] == "2026-04-22T09:00:00+01:00"
    assert booked.status_code == 201, booked.content
    assert [e.action for e in write_events()[before:]] == [
        "appointment.move",
        "appointment.book_assessment",
    ]


def test_moving_into_the_past_is_a_field_error_not_a_500(api, started):
    future = started.appointments.filter(starts_at__gt=LATER).order_by("starts_at").first()
    url = f"/api/v1/appointments/{future.public_id}/"

    response = api.post(
        url + "move/", {"starts_at": "2020-01-01T09:00:00Z"}, HTTP_IF_MATCH=etag(api, url)
    )

    assert response.status_code == 400
    assert body(response)["errors"][0]["field"] == "date"


def test_record_and_correct_a_questionnaire(api, therapist, attended):
    before = len(write_events())
    created = api.post(
        "/api/v1/questionnaire-responses/",
        {
            "appointment": str(attended.public_id),
            "instrument": "PHQ-9",
            "answers": phq9(*[2] * 8, 0),
        },
    )
    url = created["Location"]
    again = api.post(
        "/api/v1/questionnaire-responses/",
        {"appointment": str(attended.public_id), "instrument": "PHQ-9", "answers": phq9(*[1] * 9)},
    )
    corrected = api.patch(url, {"answers": phq9(*[1] * 8, 0)}, HTTP_IF_MATCH=etag(api, url))

    assert created.status_code == 201, created.content
    assert body(created)["total"] == 16
    assert body(created)["source"] == "api"
    assert again.status_code == 409
    assert corrected.status_code == 200, corrected.content
    assert body(corrected)["total"] == 8
    assert [e.action for e in write_events()[before:]] == ["measure.record", "measure.edit"]


def test_incomplete_questionnaire_is_422_naming_the_items(api, attended):
    response = api.post(
        "/api/v1/questionnaire-responses/",
        {"appointment": str(attended.public_id), "instrument": "PHQ-9", "answers": {"q1": 1}},
    )

    assert response.status_code == 422
    assert {"answers.q9", "answers.q2"} <= {e["field"] for e in body(response)["errors"]}
    assert not Response.objects.exists()


def test_acknowledge_a_risk_flag(api, therapist, attended):
    api.post(
        "/api/v1/questionnaire-responses/",
        {
            "appointment": str(attended.public_id),
            "instrument": "PHQ-9",
            "answers": phq9(*[0] * 8, 1),
        },
    )
    flag = body(api.get("/api/v1/risk-flags/?state=open"))["results"][0]
    url = f"/api/v1/risk-flags/{flag['id']}/"
    before = len(write_events())

    response = api.post(
        url + "acknowledge/", {"note": "Safety plan reviewed."}, HTTP_IF_MATCH=etag(api, url)
    )

    assert response.status_code == 200, response.content
    assert body(response)["is_open"] is False
    assert [e.action for e in write_events()[before:]] == ["risk_flag.acknowledge"]


def test_log_and_correct_an_episode(api, therapist, started, default_categories):
    person = PersonFactory(client=started.client, practice=started.practice, label="Sister")
    wish = next(c for c in default_categories if c.part == "wish")
    before = len(write_events())

    logged = api.post(
        "/api/v1/episodes/",
        {
            "course": str(started.public_id),
            "person": str(person.public_id),
            "when": "current",
            "account": "She cancelled our plans again.",
            "categories": {"wish": [str(wish.public_id)]},
        },
    )
    url = logged["Location"]
    corrected = api.patch(url, {"with_therapist": True}, HTTP_IF_MATCH=etag(api, url))

    assert logged.status_code == 201, logged.content
    assert body(logged)["categories"]["wish"] == [str(wish.public_id)]
    assert corrected.status_code == 200, corrected.content
    episode = Episode.objects.get()
    assert (episode.with_therapist, episode.person) == (True, None)
    assert body(corrected)["categories"]["wish"] == [str(wish.public_id)]
    assert [e.action for e in write_events()[before:]] == ["episode.log", "episode.update"]


def test_idempotent_replay_creates_nothing_new(api, therapist):
    payload = {"full_name": "Robin Example", "date_of_birth": "1988-02-03"}
    before = len(write_events())

    first = api.post("/api/v1/clients/", payload, HTTP_IDEMPOTENCY_KEY="create-robin-1")
    replay = api.post("/api/v1/clients/", payload, HTTP_IDEMPOTENCY_KEY="create-robin-1")
    other = api.post(
        "/api/v1/clients/", payload | {"full_name": "Other"}, HTTP_IDEMPOTENCY_KEY="create-robin-1"
    )

    assert (first.status_code, replay.status_code, other.status_code) == (201, 201, 422)
    assert body(replay) == body(first)
    assert replay["Location"] == first["Location"]
    assert replay["Idempotent-Replayed"] == "true"
    assert Client.objects.count() == 1
    assert [e.action for e in write_events()[before:]] == ["client.create"]


def test_idempotency_keys_are_per_token(api, colleague_api):
    payload = {"full_name": "Robin Example", "date_of_birth": "1988-02-03"}

    api.post("/api/v1/clients/", payload, HTTP_IDEMPOTENCY_KEY="same-key")
    colleague_api.post("/api/v1/clients/", payload, HTTP_IDEMPOTENCY_KEY="same-key")

    assert Client.objects.count() == 2


def test_idempotent_appointment_action_replays_instead_of_412(api, started):
    first = started.appointments.order_by("starts_at").first()
    url = f"/api/v1/appointments/{first.public_id}/"
    tag = etag(api, url)

    one = api.post(url + "attended/", {}, HTTP_IF_MATCH=tag, HTTP_IDEMPOTENCY_KEY="att-1")
    two = api.post(url + "attended/", {}, HTTP_IF_MATCH=tag, HTTP_IDEMPOTENCY_KEY="att-1")

    assert (one.status_code, two.status_code) == (200, 200)
    assert Appointment.objects.get(pk=first.pk).status == "attended"
    assert [e.action for e in write_events()].count("appointment.attended") == 1


def test_referral_entry_is_refused_to_a_therapist_outside_triage(api, therapist):
    response = api.post("/api/v1/referrals/", {"full_name": "Alex Sample", "reason": "Low mood."})

    assert response.status_code == 403
    assert not Referral.objects.exists()
