"""iCalendar endpoints. The REST API joins them here as it lands."""

from __future__ import annotations

from django.http import HttpResponse, HttpResponseNotAllowed, HttpResponseNotFound
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from patternwork.core.http import ics_response
from patternwork.treatment.calendar.events import render_feed
from patternwork.treatment.selectors import (
    active_feed_for_token,
    feed_appointments,
    with_session_positions,
)
from patternwork.treatment.services.calendar import touch_feed

NOT_FOUND = "Not found.\n"
TEXT = "text/plain; charset=utf-8"


def _unlogged(response: HttpResponse) -> HttpResponse:
    # Django logs every 4xx with the request path, and this path holds the token (perhaps
    # a revoked one still polled by a calendar app, or a live one sent with a wrong
    # method). Marking the response as logged keeps the secret out of the logs.
    response._has_been_logged = True
    response["Cache-Control"] = "no-store"
    return response


# Exempt from CSRF checks only so that a stray POST is refused here, unlogged, rather than
# by the CSRF middleware, which would log the path; the view never changes anything.
@csrf_exempt
def calendar_feed(request, token: str):
    """A therapist's private feed: all their appointments; unknown and revoked are alike 404.

    Calendar apps poll every few minutes, so a fetch is not audited; it only notes when
    the feed was last used. Creating and revoking feeds are audited by their services.
    """
    if request.method not in {"GET", "HEAD"}:
        return _unlogged(HttpResponseNotAllowed(["GET", "HEAD"]))
    feed = active_feed_for_token(token)
    if feed is None:
        # Plain text, without a page around it: no CSRF cookie or masked token, so an
        # unknown and a revoked token get byte-identical answers.
        return _unlogged(HttpResponseNotFound(NOT_FOUND, content_type=TEXT))
    touch_feed(feed)
    membership = feed.membership
    body = render_feed(
        appointments=with_session_positions(feed_appointments(membership)),
        practice=membership.practice,
        now=timezone.now(),
    )
    return ics_response(body)
