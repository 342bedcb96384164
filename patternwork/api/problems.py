"""Errors as `application/problem+json` (RFC 9457), with the fields that were wrong.

Every refusal the API makes goes through `problem_exception_handler`: DRF's own errors
(authentication, permission, parse, method, media type, throttling, validation), the
domain's `ValidationError`s and Http404s, and the concurrency and idempotency refusals.
Bad input is always a 4xx; only a fault of the program is a 500.
"""

from __future__ import annotations

from http import HTTPStatus

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from patternwork.core.concurrency import StaleEdit

PROBLEM_JSON = "application/problem+json"
NON_FIELD = "non_field_errors"


class Problem(exceptions.APIException):
    """A refusal with its own status and code (412, 428, 409, 422...)."""

    def __init__(self, status_code: int, detail: str, code: str, *, errors=None) -> None:
        super().__init__(detail, code)
        self.status_code = status_code
        self.errors = errors or []


def _flatten(detail, prefix: str = "") -> list[dict]:
    """DRF's nested error detail as a flat list of {field, message, code}."""
    if isinstance(detail, dict):
        found = []
        for key, value in detail.items():
            name = prefix if key in (NON_FIELD, "__all__") else f"{prefix}.{key}".strip(".")
            found += _flatten(value, name)
        return found
    if isinstance(detail, list):
        found = []
        for index, value in enumerate(detail):
            nested = isinstance(value, dict | list)
            found += _flatten(value, f"{prefix}[{index}]" if nested and prefix else prefix)
        return found
    return [
        {
            "field": prefix or None,
            "message": str(detail),
            "code": getattr(detail, "code", None) or "invalid",
        }
    ]


def from_django(error: DjangoValidationError) -> exceptions.ValidationError:
    """A service's ValidationError as DRF's, by field where it names one."""
    if hasattr(error, "error_dict"):
        return exceptions.ValidationError(
            {
                (NON_FIELD if field == "__all__" else field): [str(m) for m in messages]
                for field, messages in error.message_dict.items()
            }
        )
    return exceptions.ValidationError({NON_FIELD: [str(m) for m in error.messages]})


def problem_body(status_code: int, detail: str, *, code: str, instance: str, errors=()) -> dict:
    title = HTTPStatus(status_code).phrase
    body = {
        "type": "about:blank",
        "title": title,
        "status": status_code,
        "detail": detail,
        "code": code,
        "instance": instance,
    }
    if errors:
        body["errors"] = list(errors)
    return body


def problem_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = from_django(exc)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, StaleEdit):
        exc = Problem(
            status.HTTP_412_PRECONDITION_FAILED,
            "The object changed since it was read: read it again and retry with its new ETag.",
            "stale",
        )
    response = exception_handler(exc, context)
    if response is None:
        return None
    request = context.get("request")
    instance = request.get_full_path() if request is not None else ""
    errors = getattr(exc, "errors", [])
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        general = [e["message"] for e in errors if e["field"] is None]
        detail = " ".join(general) or "Some fields are not valid; see errors."
        code = "invalid"
    else:
        detail = str(getattr(exc, "detail", "")) or HTTPStatus(response.status_code).phrase
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        code = codes if isinstance(codes, str) else "error"
    response.data = problem_body(
        response.status_code, detail, code=code, instance=instance, errors=errors
    )
    response.content_type = PROBLEM_JSON
    return response


def problem_response(status_code: int, detail: str, *, code: str, request, errors=()) -> Response:
    """A problem answer given without raising, so the transaction around it commits
    (a risk answer kept while the rest of a questionnaire is refused)."""
    body = problem_body(
        status_code, detail, code=code, instance=request.get_full_path(), errors=errors
    )
    return Response(body, status=status_code, content_type=PROBLEM_JSON)


# Exempt so that a stray POST gets this 404 rather than the CSRF failure page; it changes
# nothing.
@csrf_exempt
def not_found(request, *args, **kwargs) -> JsonResponse:
    """Any path under /api/ that names no endpoint."""
    body = problem_body(404, "Not found.", code="not_found", instance=request.get_full_path())
    response = JsonResponse(body, status=404, content_type=PROBLEM_JSON)
    response["Cache-Control"] = "no-store"
    return response
