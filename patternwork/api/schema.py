"""The OpenAPI schema's shared parts: the concurrency and idempotency headers, and the
problem+json answers every operation can give."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from patternwork.api.problems import PROBLEM_JSON

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="The ETag of the object as you last read it (428 without it, 412 if stale).",
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="Any unique string (1-255 visible ASCII characters); a retry with the same "
    "key and request gets the first answer, with another request 422.",
)

PROBLEM = {
    "type": "object",
    "description": "An error (RFC 9457). `errors` lists the fields that were not valid.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string", "nullable": True},
                    "message": {"type": "string"},
                    "code": {"type": "string"},
                },
                "required": ["field", "message", "code"],
            },
        },
    },
    "required": ["type", "title", "status", "detail", "code", "instance"],
}
DESCRIPTIONS = {
    "400": "The request is not valid (bad JSON, fields or parameters).",
    "401": "No valid token: missing, unknown, revoked or expired.",
    "403": "Not allowed: a read-only token writing, or a role that may not do this.",
    "404": "No such object in your scope (another practice's or therapist's is a 404 too), "
    "here or named in the body; or an invalid page cursor.",
    "405": "Method not allowed.",
    "406": "Only JSON can be returned.",
    "409": "Conflicts with the object's state (or an Idempotency-Key in use).",
    "412": "If-Match is stale: the object changed since it was read.",
    "415": "Send JSON (Content-Type: application/json).",
    "422": "The Idempotency-Key was used for a different request, or the content cannot be recorded.",
    "428": "If-Match is required.",
    "429": "Too many requests for this token; see Retry-After.",
}
COMMON = ("401", "403", "405", "406", "429")
WRITE = ("400", "409", "415", "422")


class ApiAutoSchema(AutoSchema):
    """Describes the list and detail views from their attributes (`serializer_class`,
    `filters_class`; a list's page envelope from its paginator), adds If-Match to views that change an existing object
    (`if_match = True`) and Idempotency-Key to every POST."""

    def _kind(self) -> str | None:
        from patternwork.api.views.lists import DetailView, ListView

        if self.method != "GET":
            return None
        if isinstance(self.view, ListView):
            return "list"
        if isinstance(self.view, DetailView):
            return "detail"
        return None

    def _is_list_view(self, serializer=None) -> bool:
        return self._kind() == "list" or super()._is_list_view(serializer)

    def get_response_serializers(self):
        kind = self._kind()
        if kind in ("list", "detail"):
            return self.view.serializer_class
        return super().get_response_serializers()

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self._kind() == "list":
            parameters.append(self.view.filters_class)
        if self.method == "POST":
            parameters.append(IDEMPOTENCY_KEY)
        if self.method in ("POST", "PATCH", "PUT", "DELETE") and getattr(
            self.view, "if_match", False
        ):
            parameters.append(IF_MATCH)
        return parameters


def add_problem_responses(result, generator, request, public):
    """Every operation documents the problem answers it can give, as problem+json."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM
    reference = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path, operations in result.get("paths", {}).items():  # noqa: B007
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            # 404 everywhere: an object named in the path or the body may not be in scope.
            codes = [*COMMON, "404"]
            if method == "get":
                codes.append("400")
            else:
                codes += WRITE
            names = {p.get("name") for p in operation.get("parameters", [])}
            if "If-Match" in names:
                codes += ["412", "428"]
            responses = operation.setdefault("responses", {})
            for code in codes:
                responses.setdefault(
                    code, {"description": DESCRIPTIONS[code], "content": reference}
                )
    _add_links(result.get("paths", {}))
    return result


def _add_links(paths: dict) -> None:
    """Links from what creates or reads an object to what reads and changes it, so that
    clients and schemathesis's stateful tests can follow them: a 201's `id` fills the
    object's path, and a read's ETag fills If-Match."""
    for path, operations in paths.items():
        created = operations.get("post", {}).get("responses", {}).get("201")
        if created is None or "{public_id}" in path:
            continue
        for target, target_operations in paths.items():
            if not target.startswith(f"{path}{{public_id}}/"):
                continue
            for method, operation in target_operations.items():
                if method == "get":
                    created.setdefault("links", {})[operation["operationId"]] = {
                        "operationId": operation["operationId"],
                        "parameters": {"public_id": "$response.body#/id"},
                    }
    for path, operations in paths.items():
        read = operations.get("get", {}).get("responses", {}).get("200")
        if read is None or not path.endswith("{public_id}/"):
            continue
        for target, target_operations in paths.items():
            if not target.startswith(path):
                continue
            for method, operation in target_operations.items():
                names = {p.get("name") for p in operation.get("parameters", [])}
                if method in {"post", "patch"} and "If-Match" in names:
                    read.setdefault("links", {})[operation["operationId"]] = {
                        "operationId": operation["operationId"],
                        "parameters": {
                            "public_id": "$request.path.public_id",
                            "header.If-Match": "$response.header.ETag",
                        },
                    }


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "patternwork.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token (pwt_...), from your settings page or "
            "`manage.py create_api_token`.",
        }


class VerifiedSessionScheme(OpenApiAuthenticationExtension):
    target_class = "patternwork.api.authentication.VerifiedSessionAuthentication"
    name = "sessionAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": "sessionid",
            "description": "A staff session verified with both factors; writes need the CSRF token.",
        }
