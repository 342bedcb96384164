"""Optimistic concurrency for the API: an `ETag` on every object read, and `If-Match`
required on every change to an existing object.

The ETag is a hash of the object's representation as this caller sees it, so any change
they could see changes it. An update locks the object's row (and the course above an
appointment, in the order the services take those locks), serialises it again inside
that transaction and compares: a missing If-Match is 428, a stale one 412, and in both
cases nothing is written. The service then runs in the same transaction, so nobody can
slip a change in between the check and the write: a lost update is impossible.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from rest_framework import status
from rest_framework.response import Response

from patternwork.api.problems import Problem

IF_MATCH_REQUIRED = (
    "Send If-Match with the ETag of the object as you last read it, so that a change "
    "made since then is never overwritten."
)
STALE = "The object changed since you read it: read it again and apply your change to that."


def etag_of(data) -> str:
    canonical = json.dumps(data, sort_keys=True, cls=DjangoJSONEncoder, separators=(",", ":"))
    return '"' + hashlib.sha256(canonical.encode()).hexdigest()[:40] + '"'


def with_etag(data, *, status_code: int = status.HTTP_200_OK, headers=None) -> Response:
    response = Response(data, status=status_code, headers=headers)
    response["ETag"] = etag_of(data)
    return response


def _wanted(request) -> list[str]:
    header = request.headers.get("If-Match", "").strip()
    if not header:
        raise Problem(status.HTTP_428_PRECONDITION_REQUIRED, IF_MATCH_REQUIRED, "if_match_required")
    tags = [tag.strip() for tag in header.split(",") if tag.strip()]
    if tags == ["*"]:
        # "Any version" would defeat the check; the caller must say which one it read.
        raise Problem(status.HTTP_428_PRECONDITION_REQUIRED, IF_MATCH_REQUIRED, "if_match_required")
    return tags


def guarded_update(
    request,
    *,
    lock: Callable[[], object],
    represent: Callable[[object], dict],
    write: Callable[[object], object],
    respond: Callable[[object], Response],
) -> Response:
    """Run `write` only if the caller's If-Match matches the locked object's ETag.

    `lock()` locks and returns the current row, `represent(row)` is what a GET shows,
    `write(row)` calls the service and returns what `respond` shapes into the answer.
    """
    wanted = _wanted(request)
    with transaction.atomic():
        current = lock()
        if etag_of(represent(current)) not in wanted:
            raise Problem(status.HTTP_412_PRECONDITION_FAILED, STALE, "stale")
        result = write(current)
        if isinstance(result, Response):
            return result
        return respond(result)
