"""Keep secrets that live in URLs (feed, invitation and reset tokens) out of every log."""

from __future__ import annotations

import logging
import re

from gunicorn.glogging import Logger

SECRET_IN_PATH = re.compile(
    r"(/calendar/)[^/?\s\"]+|(/invitation/)[^/?\s\"]+|(/password/reset/)[^/?\s\"]+/[^/?\s\"]+"
)
REDACTED = "[redacted]"


def redact(text: str) -> str:
    return SECRET_IN_PATH.sub(lambda m: next(g for g in m.groups() if g) + REDACTED, text)


class RedactingFilter(logging.Filter):
    """A logging filter for Django's request loggers, which name the path of every 4xx."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


class RedactingGunicornLogger(Logger):
    """gunicorn's access log, with secret path segments and referrers redacted."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        # Every atom: the path, the request line, the referrer and the raw environ alike.
        return {
            key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()
        }
