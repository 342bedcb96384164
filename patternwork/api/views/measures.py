"""Questionnaire responses and risk flags, through the one response-recording service
(`measures.services.record_responses`), so a risk answer is flagged exactly as in the
clinic, and the same acknowledgement as the risk flag page."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status

from patternwork.accounts.access import fetch, visible
from patternwork.api.concurrency import guarded_update, with_etag
from patternwork.api.idempotency import idempotent
from patternwork.api.problems import Problem, problem_response
from patternwork.api.serializers import measures as s
from patternwork.api.views.lists import DetailView, ListView
from patternwork.core.concurrency import StaleEdit
from patternwork.measures import services
from patternwork.measures.flag_selectors import flag_rows
from patternwork.measures.models import Response
from patternwork.treatment.selectors import appointment_rows

ALREADY_RECORDED = (
    "This questionnaire is already recorded at this appointment: correct it with PATCH on "
    "the response, with its ETag in If-Match."
)


def response_rows():
    return Response.objects.select_related("client", "course", "appointment")


def _record(request, membership, appointment, instrument: str, answers: dict, version: int):
    """Record through the one service. Returns the saved response, or the problem answer
    that says what was refused; a risk answer is then kept and flagged all the same, so
    the refusal is answered (not raised) and the transaction around it commits."""
    try:
        saved = services.record_responses(
            appointment=appointment,
            answers=[services.Answers(instrument, answers)],
            source=Response.Source.API,
            by=membership,
            versions={instrument: version},
        )
    except services.IncompleteSubmission as incomplete:
        errors = [
            {"field": f"answers.{key}", "message": "Not answered.", "code": "required"}
            for keys in incomplete.missing.values()
            for key in keys
        ] + [
            {"field": "answers", "message": str(message), "code": "invalid"}
            for messages in incomplete.message_dict.values()
            for message in messages
        ]
        kept = [str(r.public_id) for r in incomplete.saved]
        detail = "The questionnaire could not be recorded."
        if kept:
            detail += " Its risk answer was kept and flagged (response " + ", ".join(kept) + ")."
        return problem_response(
            status.HTTP_422_UNPROCESSABLE_ENTITY,
            detail,
            code="incomplete",
            request=request,
            errors=errors,
        )
    return response_rows().get(pk=saved[0].pk)


class ResponseList(ListView):
    serializer_class = s.ResponseSerializer
    filters_class = s.ResponseListFilters
    ordering = ("created_at", "id")
    reads = "questionnaires"

    def rows(self):
        return visible(self.reader(), response_rows())

    def narrow(self, rows, filters):
        rows = rows.filter(status=filters.get("status", Response.Status.COMPLETE))
        if "instrument" in filters:
            rows = rows.filter(instrument=filters["instrument"])
        if "completed_from" in filters:
            rows = rows.filter(completed_at__date__gte=filters["completed_from"])
        if "completed_to" in filters:
            rows = rows.filter(completed_at__date__lte=filters["completed_to"])
        return rows

    @extend_schema(
        request=s.ResponseCreateSerializer,
        responses={201: s.ResponseSerializer},
        summary="Record a questionnaire given at an attended appointment",
    )
    def post(self, request):
        return idempotent(request, lambda: self._create(request))

    def _create(self, request):
        data = s.ResponseCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        appointment = fetch(
            self.reader(), appointment_rows(), given["appointment"], reads="questionnaires"
        )
        try:
            # Version 0 matches no stored response: an existing one is corrected by PATCH.
            result = _record(
                request, self.membership, appointment, given["instrument"], given["answers"], 0
            )
        except StaleEdit:
            raise Problem(status.HTTP_409_CONFLICT, ALREADY_RECORDED, "already_recorded") from None
        if not isinstance(result, Response):
            return result
        return with_etag(
            s.ResponseSerializer(result).data,
            status_code=status.HTTP_201_CREATED,
            headers={"Location": f"/api/v1/questionnaire-responses/{result.public_id}/"},
        )


class ResponseDetail(DetailView):
    serializer_class = s.ResponseSerializer
    if_match = True

    def rows(self):
        return response_rows()

    @extend_schema(
        request=s.AnswersSerializer,
        responses=s.ResponseSerializer,
        summary="Correct a recorded questionnaire (its earlier answers are kept)",
    )
    def patch(self, request, public_id):
        response = self.get_object(public_id)
        data = s.AnswersSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        appointment = response.appointment
        if appointment is None:
            raise Problem(
                status.HTTP_409_CONFLICT, "An imported score cannot be corrected.", "no_appointment"
            )

        def write(locked):
            return _record(
                request,
                self.membership,
                appointment,
                locked.instrument,
                data.validated_data["answers"],
                locked.version,
            )

        return idempotent(
            request,
            lambda: guarded_update(
                request,
                lock=lambda: response_rows().select_for_update(of=("self",)).get(pk=response.pk),
                represent=self.represent,
                write=write,
                respond=self.respond,
            ),
        )


class RiskFlagList(ListView):
    serializer_class = s.RiskFlagSerializer
    filters_class = s.RiskFlagListFilters
    ordering = ("raised_at", "id")
    reads = "risk answer"

    def rows(self):
        return visible(self.reader(), flag_rows())

    def narrow(self, rows, filters):
        if filters.get("state") == "open":
            rows = rows.filter(acknowledged_at__isnull=True)
        elif filters.get("state") == "acknowledged":
            rows = rows.filter(acknowledged_at__isnull=False)
        return rows


class RiskFlagDetail(DetailView):
    serializer_class = s.RiskFlagSerializer

    def rows(self):
        return flag_rows()


class RiskFlagAcknowledge(RiskFlagDetail):
    if_match = True
    http_method_names = ["post", "options"]

    @extend_schema(
        request=s.AcknowledgeSerializer,
        responses=s.RiskFlagSerializer,
        summary="Acknowledge the risk answer, saying what was done about it",
    )
    def post(self, request, public_id):
        flag = self.get_object(public_id)
        data = s.AcknowledgeSerializer(data=request.data)
        data.is_valid(raise_exception=True)

        def write(locked):
            services.acknowledge_flag(
                flag=locked, note=data.validated_data["note"], actor=self.membership
            )
            return flag_rows().get(pk=locked.pk)

        return idempotent(
            request,
            lambda: guarded_update(
                request,
                lock=lambda: flag_rows().select_for_update(of=("self",)).get(pk=flag.pk),
                represent=self.represent,
                write=write,
                respond=self.respond,
            ),
        )
