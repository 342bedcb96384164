"""Clients and referrals: the same services as the client and referral pages."""

from __future__ import annotations

from django.db.models import Q
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied, ValidationError

from patternwork.accounts.access import may_triage, visible
from patternwork.accounts.models import Membership
from patternwork.accounts.selectors import active_clinicians
from patternwork.api.concurrency import guarded_update, with_etag
from patternwork.api.idempotency import idempotent
from patternwork.api.serializers import clients as s
from patternwork.api.views.base import ApiView
from patternwork.api.views.lists import DetailView, ListView
from patternwork.clients import services as client_services
from patternwork.clients.models import Referral
from patternwork.clients.selectors import client_rows, referral_rows
from patternwork.treatment.services import intake

Role = Membership.Role
CLINICIAN_ADDS_OWN = "Clinicians add clients to their own caseload: leave the therapist out."
ADMIN_CHOOSES = "Choose the client's therapist."
NOT_A_CLINICIAN = "Choose an active therapist of this practice."


class ClientList(ListView):
    serializer_class = s.ClientSerializer
    filters_class = s.ClientListFilters
    related_filters = {}

    def rows(self):
        return visible(self.reader(), client_rows())

    def narrow(self, rows, filters):
        if "status" in filters:
            rows = rows.filter(status=filters["status"])
        if filters.get("q", "").strip():
            query = filters["q"].strip()
            rows = rows.filter(
                Q(full_name__icontains=query)
                | Q(preferred_name__icontains=query)
                | Q(client_number__icontains=query)
            )
        return rows

    @extend_schema(
        request=s.ClientCreateSerializer,
        responses={201: s.ClientSerializer},
        summary="Add a client (and open a course with their therapist)",
    )
    def post(self, request):
        return idempotent(request, lambda: self._create(request))

    def _create(self, request):
        data = s.ClientCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        therapist = self._therapist(fields.pop("therapist", None))
        client = intake.create_client(
            practice=self.membership.practice,
            data=fields,
            therapist=therapist,
            created_by=self.membership,
        )
        stored = client_rows().get(pk=client.pk)
        return with_etag(
            s.ClientSerializer(stored).data,
            status_code=status.HTTP_201_CREATED,
            headers={"Location": f"/api/v1/clients/{client.public_id}/"},
        )

    def _therapist(self, public_id) -> Membership:
        """As the page: an admin chooses the therapist, a clinician adds to their own."""
        membership = self.membership
        if membership.role != Role.ADMIN:
            if public_id not in (None, membership.public_id):
                raise ValidationError({"therapist": [CLINICIAN_ADDS_OWN]})
            return membership
        if public_id is None:
            raise ValidationError({"therapist": [ADMIN_CHOOSES]})
        therapist = active_clinicians(membership.practice).filter(public_id=public_id).first()
        if therapist is None:
            raise ValidationError({"therapist": [NOT_A_CLINICIAN]})
        return therapist


class ClientDetail(DetailView):
    serializer_class = s.ClientSerializer
    if_match = True

    def rows(self):
        return client_rows()

    @extend_schema(
        request=s.ClientUpdateSerializer,
        responses=s.ClientSerializer,
        summary="Change the client record",
    )
    def patch(self, request, public_id):
        client = self.get_object(public_id)
        data = s.ClientUpdateSerializer(client, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        reason = fields.pop("close_override_reason", "")

        def write(locked):
            intake.update_client(
                client=locked,
                data=fields,
                expected_version=locked.version,
                changed_by=self.membership,
                close_override_reason=reason,
            )
            return client_rows().get(pk=locked.pk)

        return guarded_update(
            request,
            lock=lambda: client_rows().select_for_update(of=("self",)).get(pk=client.pk),
            represent=self.represent,
            write=write,
            respond=self.respond,
        )


REFERRAL_TRIAGE_ONLY = (
    "Only the practice's referral triage (its admins, and its clinicians where the practice "
    "makes them triage) enters referrals."
)


class ReferralList(ListView):
    serializer_class = s.ReferralSerializer
    filters_class = s.ReferralListFilters
    ordering = ("received_at", "id")
    related_filters = {}

    def rows(self):
        return visible(self.reader(), referral_rows())

    def narrow(self, rows, filters):
        if "status" in filters:
            rows = rows.filter(status=filters["status"])
        if "received_from" in filters:
            rows = rows.filter(received_at__date__gte=filters["received_from"])
        if "received_to" in filters:
            rows = rows.filter(received_at__date__lte=filters["received_to"])
        return rows

    @extend_schema(
        request=s.ReferralCreateSerializer,
        responses={201: s.ReferralSerializer},
        summary="Enter a referral received another way (GP letter, telephone)",
    )
    def post(self, request):
        return idempotent(request, lambda: self._create(request))

    def _create(self, request):
        if not may_triage(self.membership):
            # The new referral would be triage's alone: its author could not read it back.
            raise PermissionDenied(REFERRAL_TRIAGE_ONLY)
        data = s.ReferralCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        referral = client_services.create_referral(
            practice=self.membership.practice,
            data=dict(data.validated_data),
            created_by=self.membership,
        )
        return _created(referral)


class SelfReferral(ApiView):
    """The practice's public self-referral form, for the practice's own website."""

    @extend_schema(
        request=s.SelfReferralSerializer,
        responses={201: s.ReferralSerializer},
        summary="Send a self-referral, as the public self-referral form does",
    )
    def post(self, request):
        return idempotent(request, lambda: self._create(request))

    def _create(self, request):
        data = s.SelfReferralSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        referral = client_services.submit_self_referral(
            practice=self.membership.practice, data=data.referral_data()
        )
        return _created(referral)


def _created(referral: Referral):
    stored = referral_rows().get(pk=referral.pk)
    return with_etag(
        s.ReferralSerializer(stored).data,
        status_code=status.HTTP_201_CREATED,
        headers={"Location": f"/api/v1/referrals/{referral.public_id}/"},
    )


class ReferralDetail(DetailView):
    serializer_class = s.ReferralSerializer

    def rows(self):
        return referral_rows()
