import logging
import re
import uuid

from django.conf import settings
from django.http import HttpResponse
from django.utils.http import parse_header_parameters

from patternwork.core import context

REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


PROXY_NOT_CONFIGURED = (
    "This server is behind a proxy that PATTERNWORK_TRUSTED_PROXIES does not describe, so "
    "it refuses requests until its administrator sets it."
)
logger = logging.getLogger(__name__)


def client_address(request) -> str | None:
    """The client's address, trusting X-Forwarded-For only from configured proxies."""
    proxies = settings.PATTERNWORK_TRUSTED_PROXIES
    if proxies:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [p for p in forwarded if p]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None


# A request body is read as UTF-8 (the pages and the API only ever send that); plain
# ASCII is a subset of it. Any other declared charset is refused before anything parses
# the body, since decoding a form as UTF-16 fails inside Django with a server error.
ACCEPTED_CHARSETS = {"utf-8", "utf8", "us-ascii", "ascii"}
CHARSET_REFUSED = "Send form and JSON data encoded as UTF-8."


class RequestCharsetMiddleware:
    """Refuse (415) a request whose body declares a charset other than UTF-8."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        _content_type, params = parse_header_parameters(request.META.get("CONTENT_TYPE", ""))
        charset = params.get("charset", "").strip().lower()
        if charset and charset not in ACCEPTED_CHARSETS:
            return HttpResponse(
                CHARSET_REFUSED, status=415, content_type="text/plain; charset=utf-8"
            )
        return self.get_response(request)


class RequestContextMiddleware:
    """Give every request an id (kept from a trusted X-Request-ID) and note its address."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.PATTERNWORK_TRUSTED_PROXIES is None and "HTTP_X_FORWARDED_FOR" in request.META:
            # A proxy forwards requests, but nobody said how many proxies to trust: every
            # client would look like the proxy (one address for the audit log and the
            # login throttle). Refuse rather than run that way.
            logger.critical(
                "X-Forwarded-For received but PATTERNWORK_TRUSTED_PROXIES is not set: set it "
                "to the number of reverse proxies (0 when served directly)."
            )
            return HttpResponse(
                PROXY_NOT_CONFIGURED, status=503, content_type="text/plain; charset=utf-8"
            )
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request.id = incoming if REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        token = context.activate(
            context.RequestContext(request_id=request.id, remote_addr=client_address(request))
        )
        try:
            response = self.get_response(request)
        finally:
            context.deactivate(token)
        response["X-Request-ID"] = request.id
        return response


class SecurityHeadersMiddleware:
    """CSP without unsafe-inline on every response; no-store on everything but static files.

    Every page is either clinical or carries a CSRF token or a login form, so none of
    them may linger in shared or browser caches. Static files are fingerprinted and
    cached by WhiteNoise.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.static_prefix = "/" + settings.STATIC_URL.lstrip("/")

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if not request.path.startswith(self.static_prefix):
            response["Cache-Control"] = "no-store"
        return response
