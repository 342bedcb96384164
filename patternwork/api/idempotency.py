"""`Idempotency-Key` on POSTs: a retry of the same request gets the first answer again,
and nothing is written twice.

The key is remembered with a hash of the request (method, path and body) and the first
successful answer, in the same transaction as the write. The same key with another
request is refused (422); two requests racing with one key leave one write and the
other gets 409. Refusals are not remembered: nothing was written, so a retry may run.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from rest_framework import status
from rest_framework.response import Response

from patternwork.accounts import api_requests
from patternwork.api.problems import Problem
from patternwork.api.throttling import caller

HEADER = "Idempotency-Key"
KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
REPLAYED = "Idempotent-Replayed"
KEPT_HEADERS = ("Location", "ETag")

BAD_KEY = "An Idempotency-Key is 1 to 255 visible ASCII characters."
KEY_REUSED = (
    "This Idempotency-Key was already used with a different request. Use a new key for a "
    "new request."
)
KEY_IN_FLIGHT = "Another request with this Idempotency-Key was being processed; retry it."


def _fingerprint(request) -> str:
    body = json.dumps(request.data, sort_keys=True, cls=DjangoJSONEncoder, default=str)
    raw = f"{request.method} {request.path}\n{body}"
    return hashlib.sha256(raw.encode()).hexdigest()


def idempotent(request, handler: Callable[[], Response]) -> Response:
    key = request.headers.get(HEADER)
    if key is None:
        return handler()
    if not KEY.match(key):
        raise Problem(status.HTTP_400_BAD_REQUEST, BAD_KEY, "bad_idempotency_key")
    owner = caller(request)
    fingerprint = _fingerprint(request)
    try:
        with transaction.atomic():
            stored = api_requests.stored_answer(owner=owner, key=key)
            if stored is not None:
                if stored.request_hash != fingerprint:
                    raise Problem(
                        status.HTTP_422_UNPROCESSABLE_ENTITY, KEY_REUSED, "idempotency_key_reused"
                    )
                return _replay(stored)
            response = handler()
            if status.is_success(response.status_code):
                api_requests.remember_answer(
                    owner=owner,
                    key=key,
                    request_hash=fingerprint,
                    status=response.status_code,
                    headers={h: response[h] for h in KEPT_HEADERS if response.has_header(h)},
                    body=json.dumps(response.data, cls=DjangoJSONEncoder),
                )
            return response
    except api_requests.KeyInUse:
        raise Problem(status.HTTP_409_CONFLICT, KEY_IN_FLIGHT, "idempotency_key_in_use") from None


def _replay(stored) -> Response:
    response = Response(json.loads(stored.body), status=stored.status)
    for name, value in stored.headers.items():
        response[name] = value
    response[REPLAYED] = "true"
    return response
