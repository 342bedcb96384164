"""HTTP responses shared by the interfaces (staff UI, portal, API)."""

from django.http import HttpResponse

ICS_CONTENT_TYPE = "text/calendar; charset=utf-8"


def ics_response(body: str, *, filename: str | None = None) -> HttpResponse:
    """A calendar response that no cache keeps and no browser re-types as HTML."""
    response = HttpResponse(body, content_type=ICS_CONTENT_TYPE)
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    if filename:
        # ics_filename() yields [a-z0-9-] plus ".ics", so the quoted form is always safe.
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
