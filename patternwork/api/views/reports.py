"""Signed session notes (read-only, for those who may read them in the clinic) and the
service report as JSON."""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import ValidationError

from patternwork.accounts.access import require_role, visible
from patternwork.accounts.models import Membership
from patternwork.api.concurrency import with_etag
from patternwork.api.serializers import reports as s
from patternwork.api.views.base import ApiView
from patternwork.api.views.lists import DetailView, ListView
from patternwork.reports.selectors import report_therapists, service_report_for
from patternwork.treatment.models import NoteAmendment, SessionNote

Role = Membership.Role
NOT_IN_SCOPE = "Not a clinician in your reporting scope."


def signed_notes():
    """Signed notes only: a draft is the therapist's work in progress."""
    return (
        SessionNote.objects.filter(signed_at__isnull=False)
        .select_related("appointment", "course__client", "author", "signed_by")
        .prefetch_related(
            Prefetch("amendments", queryset=NoteAmendment.objects.select_related("author"))
        )
    )


class NoteList(ListView):
    serializer_class = s.SessionNoteSerializer
    filters_class = s.NoteListFilters
    reads = "session note"
    client_path = "course.client.public_id"
    related_filters = {"client": "course__client__public_id", "course": "course__public_id"}

    def rows(self):
        return visible(self.reader(), signed_notes())


class NoteDetail(DetailView):
    serializer_class = s.SessionNoteSerializer

    def rows(self):
        return signed_notes()


class ServiceReport(ApiView):
    """The service outcome report: admins and supervisors, over their reporting scope."""

    @extend_schema(
        parameters=[s.ReportFilters],
        responses=s.ServiceReportSerializer,
        summary="The service outcome report",
    )
    def get(self, request):
        require_role(request, Role.ADMIN, Role.SUPERVISOR)
        given = s.ReportFilters(data=request.query_params)
        given.is_valid(raise_exception=True)
        filters = dict(given.validated_data)
        therapist = None
        if "therapist" in filters:
            therapist = (
                report_therapists(self.membership).filter(public_id=filters["therapist"]).first()
            )
            if therapist is None:
                raise ValidationError({"therapist": [NOT_IN_SCOPE]})
        report = service_report_for(
            self.membership,
            therapist=therapist,
            ended_from=filters.get("ended_from"),
            ended_to=filters.get("ended_to"),
        )
        return with_etag(s.ServiceReportSerializer(report).data)
