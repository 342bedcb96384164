"""Per-request context (request id, remote address) that services and audit read.

A ContextVar rather than a thread-local: correct under threads and async alike, and
nothing here must outlive the request.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    remote_addr: str | None = None


_EMPTY = RequestContext()
_current: ContextVar[RequestContext | None] = ContextVar("patternwork_request", default=None)


def current() -> RequestContext:
    return _current.get() or _EMPTY


def activate(ctx: RequestContext):
    return _current.set(ctx)


def deactivate(token) -> None:
    _current.reset(token)
