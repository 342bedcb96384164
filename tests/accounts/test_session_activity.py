"""A session is written when it changes or once a minute, not on every request, and the
practice's idle timeout (15 minutes by default) still ends it on time."""

from datetime import datetime, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from patternwork.accounts.middleware import SESSION_LAST_SEEN

HOME = reverse("clinic:home")
PROFILE = reverse("clinic:profile")
LOGIN = reverse("clinic:login")


def session_writes(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(HOME).status_code == 200
    return sum(
        1
        for q in queries.captured_queries
        if "django_session" in q["sql"] and not q["sql"].startswith("SELECT")
    )


def logged_out(client) -> bool:
    response = client.get(HOME)
    return response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_requests_within_a_minute_of_the_last_save_write_nothing(client, therapist, login, frozen):
    login(therapist)
    assert session_writes(client) == 1  # the first request stamps the session

    frozen.shift(timedelta(seconds=59))

    assert session_writes(client) == 0
    assert session_writes(client) == 0


def test_a_request_a_minute_after_the_last_save_saves_it(client, therapist, login, frozen):
    login(therapist)
    session_writes(client)
    stamped = datetime.fromisoformat(client.session[SESSION_LAST_SEEN])

    frozen.shift(timedelta(seconds=60))

    assert session_writes(client) == 1
    moved = datetime.fromisoformat(client.session[SESSION_LAST_SEEN])
    assert moved - stamped == timedelta(seconds=60)


def test_an_idle_session_never_outlives_its_timeout_after_its_last_request(
    client, therapist, login, frozen
):
    login(therapist)
    session_writes(client)
    frozen.shift(timedelta(seconds=61))
    assert session_writes(client) == 1  # the last request: it saved the session

    frozen.shift(timedelta(minutes=15, seconds=1))

    assert logged_out(client)


def test_an_unsaved_last_request_ends_the_session_at_most_a_minute_early(
    client, therapist, login, frozen
):
    login(therapist)
    session_writes(client)
    frozen.shift(timedelta(seconds=50))
    assert session_writes(client) == 0  # the last request: nothing saved

    # 14 min 11 s after the last request, 15 min 1 s after the last save.
    frozen.shift(timedelta(minutes=14, seconds=11))

    assert logged_out(client)


def test_a_busy_session_stays_alive_past_the_idle_timeout(client, therapist, login, frozen):
    login(therapist)
    # A plain staff page (the profile) carries the requests: the session middleware
    # treats every page alike, and the caseload page costs several times as much.
    for _ in range(30):  # a request every 50 seconds for 25 minutes
        frozen.shift(timedelta(seconds=50))
        assert client.get(PROFILE).status_code == 200


def test_a_request_without_a_session_creates_none(client, db):
    assert client.get(LOGIN).status_code == 200

    assert "sessionid" not in client.cookies
