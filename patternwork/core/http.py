"""HTTP responses shared by the interfaces (staff UI, portal, API)."""

import re

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


class RangeNotSatisfiable(Exception):
    pass


_BYTE_RANGE = re.compile(r"^\s*(\d*)\s*-\s*(\d*)\s*$")


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The inclusive (start, end) a `Range` header asks of a `size`-byte body, or None
    for the whole body.

    One range is served: a header in another unit, or asking several ranges, is ignored
    and the whole body sent, as RFC 9110 section 14.2 allows. A range that starts past
    the end, an empty suffix, a last byte before the first or a malformed range raises
    RangeNotSatisfiable (416).
    """
    if not header:
        return None
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    match = _BYTE_RANGE.match(spec)
    if match is None or match.group(1) == match.group(2) == "":
        raise RangeNotSatisfiable(header)
    first, last = match.groups()
    if first == "":
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable(header)
        return max(size - suffix, 0), size - 1
    start = int(first)
    end = size - 1 if last == "" else min(int(last), size - 1)
    if start >= size or (last != "" and int(last) < start):
        raise RangeNotSatisfiable(header)
    return start, end
