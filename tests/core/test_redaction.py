import logging

import pytest

from patternwork.core.redaction import RedactingFilter, RedactingGunicornLogger, redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GET /calendar/AbC-123_x.ics HTTP/1.1", "GET /calendar/[redacted] HTTP/1.1"),
        ("Bad Request: /invitation/eyJ1Ijo:1sx:abc/", "Bad Request: /invitation/[redacted]/"),
        ("/password/reset/MQ/cx1-abc123/", "/password/reset/[redacted]/"),
        ("GET /clients/1a2b/ HTTP/1.1", "GET /clients/1a2b/ HTTP/1.1"),
    ],
)
def test_redact_removes_tokens_from_paths(text, expected):
    assert redact(text) == expected


def test_redacting_filter_rewrites_the_record():
    record = logging.LogRecord(
        "django.request",
        logging.WARNING,
        __file__,
        1,
        "Not Found: %s",
        ("/calendar/secret.ics",),
        None,
    )

    RedactingFilter().filter(record)

    assert record.getMessage() == "Not Found: /calendar/[redacted]"


def test_gunicorn_access_atoms_are_redacted():
    class Response:
        status = "200 OK"
        sent = 10
        headers = ()

    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/calendar/secret-token.ics",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "PATH_INFO": "/calendar/secret-token.ics",
        "HTTP_REFERER": "https://x.example/invitation/tok/",
    }
    import datetime as dt

    logger = RedactingGunicornLogger.__new__(RedactingGunicornLogger)
    atoms = logger.atoms(Response(), {}, environ, dt.timedelta(seconds=1))

    assert "secret-token" not in str(atoms)
    assert "/invitation/tok/" not in str(atoms)
    assert atoms["r"] == "GET /calendar/[redacted] HTTP/1.1"
