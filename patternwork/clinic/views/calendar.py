"""Calendar feed settings for every staff member, and a client's appointments as .ics."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patternwork.accounts.access import fetch, reader_for
from patternwork.clients.selectors import client_rows
from patternwork.clinic.decorators import staff_view
from patternwork.core.http import ics_response
from patternwork.treatment.calendar.events import (
    client_calendar_filename,
    render_client_calendar,
)
from patternwork.treatment.selectors import appointments_for, open_feed_for
from patternwork.treatment.services.calendar import create_feed, revoke_feed

FEED_TEMPLATE = "clinic/calendar/feed.html"


@staff_view()
def calendar_feed(request):
    feed = open_feed_for(request.membership)
    return render(request, FEED_TEMPLATE, {"feed": feed})


@staff_view()
@require_POST
def calendar_feed_create(request):
    # The address is shown in this response and never again: only its hash is stored,
    # so it is rendered here rather than carried through a redirect (session or cookie).
    replaced = open_feed_for(request.membership) is not None
    feed, token = create_feed(membership=request.membership)
    url = request.build_absolute_uri(reverse("api:calendar-feed", args=[token]))
    context = {
        "feed": feed,
        "feed_url": url,
        "webcal_url": "webcal://" + url.split("://", 1)[1],
        "replaced": replaced,
    }
    return render(request, FEED_TEMPLATE, context)


@staff_view()
@require_POST
def calendar_feed_revoke(request):
    if open_feed_for(request.membership) is None:
        messages.info(request, _("There is no active calendar feed to revoke."))
    else:
        revoke_feed(membership=request.membership)
        messages.success(
            request,
            _(
                "The calendar feed is revoked: its address stopped working at once, and "
                "calendars subscribed to it no longer receive your appointments."
            ),
        )
    return redirect("clinic:calendar-feed")


@staff_view()
def client_calendar(request, public_id):
    """The client's appointments as an .ics file to give to the client."""
    client = fetch(reader_for(request), client_rows(), public_id)
    practice = request.membership.practice
    body = render_client_calendar(
        appointments=appointments_for(request.membership).filter(course__client=client),
        practice=practice,
        now=timezone.now(),
    )
    return ics_response(body, filename=client_calendar_filename(practice, client))
