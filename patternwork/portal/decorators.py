"""The guard every logged-in portal page stands behind."""

from functools import wraps
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from patternwork.accounts.totp import has_confirmed_device
from patternwork.clients.models import Client
from patternwork.core.prepared import PreparedRead

# Read on every portal page: its SQL is made once per process (core.prepared).
_ACTIVE_CLIENT = PreparedRead(
    lambda user_id: (
        Client.objects.filter(user_id=user_id, status=Client.Status.ACTIVE, user__is_active=True)
        .select_related("practice", "therapist__user")
        .order_by("pk")[:1]
    ),
    int,
)


def client_for(user) -> Client | None:
    """The active client record a logged-in user holds, if any."""
    return next(iter(_ACTIVE_CLIENT.rows(user.pk)), None)


def client_view(view):
    """Guard a portal page: a logged-in client, with their second factor if they set one.

    A logged-in person who is not a client (staff) gets a 404: portal pages about a
    client do not exist for them. The request carries `request.client`, and the page
    runs in the practice's time zone.
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('portal:login')}?{query}")
        client = client_for(request.user)
        if client is None:
            raise Http404("Not found.")
        if not request.user.is_verified() and has_confirmed_device(request.user):
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('portal:otp-verify')}?{query}")
        request.client = client
        with timezone.override(ZoneInfo(client.practice.time_zone)):
            return view(request, *args, **kwargs)

    return wrapped
