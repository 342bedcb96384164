from unittest import mock

from django.db import DatabaseError


def test_healthz_reports_the_database(client, db):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert (
        response["Cache-Control"].startswith("no-store") or "no-cache" in response["Cache-Control"]
    )


def test_healthz_is_503_when_the_database_fails(client, db):
    # The database is outside the app process: its failure is what this simulates.
    with mock.patch("patternwork.health.connection.cursor", side_effect=DatabaseError("down")):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unavailable"}


def test_healthz_refuses_post(client, db):
    assert client.post("/healthz").status_code == 405
