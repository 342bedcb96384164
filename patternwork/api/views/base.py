"""The base of every REST endpoint, and the small helpers the endpoints share."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.utils import timezone
from rest_framework.views import APIView

from patternwork.accounts.access import Reader, reader_for


class ApiView(APIView):
    """One endpoint. The caller's membership is `request.membership` (set by the
    authentication), and times are read and written in its practice's time zone, as on
    the pages."""

    # Set on views whose unsafe methods change an existing object: If-Match required.
    if_match = False

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        timezone.activate(ZoneInfo(request.membership.practice.time_zone))

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        timezone.deactivate()
        return response

    def reader(self) -> Reader:
        return reader_for(self.request)

    @property
    def membership(self):
        return self.request.membership
