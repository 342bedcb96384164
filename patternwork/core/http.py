"""HTTP responses shared by the interfaces (staff UI, portal, API)."""

from django.http import HttpResponse
from django.utils.http import url_has_allowed_host_and_scheme

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


def safe_next(request, default: str) -> str:
    """Where a `next` parameter may send the user: a path on this site, else `default`.

    Only an absolute path counts. A bare word ("abc") is not a URL, and a value that
    did not decode as UTF-8 ("%FF%FE" becomes replacement characters) names no page:
    both fall back to `default` rather than reaching `redirect()`, which would try them
    as view names and fail with a server error.
    """
    target = request.POST.get("next") or request.GET.get("next") or ""
    if (
        target.startswith("/")
        and "\ufffd" not in target
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return default
