"""FHIR R4 endpoints: the CapabilityStatement, Patient/$everything, and questionnaire
responses in (create) and out (read).

Authentication and permissions are the REST framework defaults from settings, as for the
rest of the API; only `metadata` is open to anyone, as FHIR servers conventionally make
their CapabilityStatement (it holds nothing about any client). A request acts as a
member of staff: the owner of a personal API token, or a login session's member once its
second factor is verified (anyone else gets 401, as on every API endpoint).

Every error is an OperationOutcome with the matching HTTP status, never an HTML page;
another practice's or another therapist's client is a 404, as in the clinic.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView, set_rollback

from patternwork.accounts.access import Reader, reader_for
from patternwork.interop.fhir import (
    FhirError,
    Issue,
    capability_statement,
    operation_outcome,
    patient_everything,
    read_questionnaire_response,
    record_questionnaire_response,
)
from patternwork.interop.fhir.common import full_url, public_uuid, server_base
from patternwork.measures.models import Response as QuestionnaireAnswers

TOO_LARGE = "The request body is larger than {limit} bytes."
UNSUPPORTED = "This server does not support {method} {path}; see {base}/metadata."
# FHIR's issue-type codes for the HTTP errors the REST framework raises.
ISSUE_CODES = {
    400: "structure",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    413: "too-long",
    415: "not-supported",
    429: "throttled",
}


class FhirJSONRenderer(JSONRenderer):
    media_type = "application/fhir+json"
    format = "fhir"


class FhirJSONParser(JSONParser):
    media_type = "application/fhir+json"


def _detail(detail) -> str:
    if isinstance(detail, dict):
        return " ".join(f"{key}: {_detail(value)}" for key, value in detail.items())
    if isinstance(detail, list):
        return " ".join(_detail(value) for value in detail)
    return str(detail)


def fhir_exception_handler(exc, context):
    """Answer every refusal with an OperationOutcome; anything else is a server error."""
    if isinstance(exc, FhirError):
        return Response(operation_outcome(exc.issues), status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    if not isinstance(exc, exceptions.APIException):
        return None
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    set_rollback()
    issue = Issue(_detail(exc.detail), ISSUE_CODES.get(exc.status_code, "processing"))
    return Response(operation_outcome([issue]), status=exc.status_code, headers=headers)


def staff_reader(request) -> Reader:
    """The member of staff the request acts as.

    The API's authentication and its default permission (TokenScope) have already made
    sure there is one: a token's owner, or a session member past the second factor.
    """
    return reader_for(request._request)


class FhirView(APIView):
    renderer_classes = (FhirJSONRenderer, JSONRenderer)
    parser_classes = (FhirJSONParser, JSONParser)
    # FHIR clients learn the API from the CapabilityStatement, not the OpenAPI schema.
    schema = None

    def get_exception_handler(self):
        return fhir_exception_handler


class Metadata(FhirView):
    permission_classes = (AllowAny,)

    def get(self, request):
        return Response(capability_statement())


class PatientEverything(FhirView):
    def get(self, request, patient_id: str):
        reader = staff_reader(request)
        public_id = public_uuid(patient_id)
        if public_id is None:
            raise exceptions.NotFound()
        return Response(patient_everything(reader, public_id))


class QuestionnaireResponseCreate(FhirView):
    def post(self, request):
        reader = staff_reader(request)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        length = request.META.get("CONTENT_LENGTH") or "0"
        if limit is not None and (not length.isdigit() or int(length) > limit):
            raise FhirError(413, Issue(TOO_LARGE.format(limit=limit), "too-long"))
        recorded = record_questionnaire_response(
            reader, request.data, source=QuestionnaireAnswers.Source.API
        )
        location = full_url("QuestionnaireResponse", recorded.response.public_id)
        return Response(
            recorded.resource,
            status=201 if recorded.created else 200,
            headers={"Location": location},
        )


class QuestionnaireResponseRead(FhirView):
    def get(self, request, response_id: str):
        reader = staff_reader(request)
        public_id = public_uuid(response_id)
        if public_id is None:
            raise exceptions.NotFound()
        return Response(read_questionnaire_response(reader, public_id))


class Unsupported(FhirView):
    """Any other address under /fhir/R4/: a FHIR 404 rather than an HTML page."""

    permission_classes = (AllowAny,)

    def _refuse(self, request, *args, **kwargs):
        message = UNSUPPORTED.format(method=request.method, path=request.path, base=server_base())
        raise FhirError(404, Issue(message, "not-supported"))

    get = post = put = patch = delete = _refuse
