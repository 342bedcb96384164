"""Clients and referrals."""

from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers

from patternwork.api.serializers.common import ListFilters, MomentField, Output, Resource, ref
from patternwork.clients.models import Client, Referral
from patternwork.clients.services import CLIENT_FIELDS, REFERRAL_FIELDS
from patternwork.clients.validators import self_referral_contact_problems

BIRTH_IN_FUTURE = "The date of birth cannot be in the future."
BIRTH_TOO_EARLY = "Check the year of birth."


def check_birth_date(born):
    if born and born > timezone.localdate():
        raise serializers.ValidationError(BIRTH_IN_FUTURE)
    if born and born.year < 1900:
        raise serializers.ValidationError(BIRTH_TOO_EARLY)
    return born


class ClientSerializer(Resource, Output):
    therapist = ref("therapist", allow_null=True)

    class Meta:
        model = Client
        fields = [
            "id",
            "client_number",
            *CLIENT_FIELDS,
            "consent_treatment_at",
            "consent_contact_at",
            "therapist",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ClientInputSerializer(serializers.ModelSerializer):
    """The client record's fields as the client form takes them."""

    class Meta:
        model = Client
        fields = list(CLIENT_FIELDS)

    def validate_date_of_birth(self, born):
        return check_birth_date(born)


class ClientCreateSerializer(ClientInputSerializer):
    therapist = serializers.UUIDField(
        required=False,
        help_text="Admins choose the therapist (required); clinicians add to their own "
        "caseload and may leave it out.",
    )

    class Meta(ClientInputSerializer.Meta):
        fields = [*CLIENT_FIELDS, "therapist"]


class ClientUpdateSerializer(ClientInputSerializer):
    close_override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="Why the record is closed while risk answers are unacknowledged.",
    )

    class Meta(ClientInputSerializer.Meta):
        fields = [*CLIENT_FIELDS, "close_override_reason"]


class ClientListFilters(ListFilters):
    status = serializers.ChoiceField(choices=Client.Status.choices, required=False)
    q = serializers.CharField(
        required=False, max_length=100, help_text="Name or client number contains."
    )


class ReferralSerializer(Resource, Output):
    client = ref("client", allow_null=True)
    decided_by = ref("decided_by", allow_null=True)

    class Meta:
        model = Referral
        fields = [
            "id",
            "source",
            "status",
            "received_at",
            *REFERRAL_FIELDS,
            "consent_to_contact",
            "consent_to_store",
            "decline_reason",
            "contacted_at",
            "decided_at",
            "decided_by",
            "client",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ReferralCreateSerializer(serializers.ModelSerializer):
    """A referral received another way (GP letter, telephone), as staff enter it."""

    source = serializers.ChoiceField(
        choices=Referral.Source.choices, default=Referral.Source.PROFESSIONAL
    )
    received_at = MomentField(required=False)

    class Meta:
        model = Referral
        fields = ["source", "received_at", *REFERRAL_FIELDS, "consent_to_contact"]

    def validate_date_of_birth(self, born):
        return check_birth_date(born)

    def validate_received_at(self, received):
        if received and received > timezone.now():
            raise serializers.ValidationError("A referral cannot be received in the future.")
        return received

    def validate(self, attrs):
        errors = {}
        if attrs.get("contact_by_email") and not attrs.get("email"):
            errors["email"] = ["Email is ticked as a way to make contact: give the email address."]
        wants_phone = attrs.get("contact_by_phone") or attrs.get("voicemail_ok")
        if wants_phone and not attrs.get("phone"):
            errors["phone"] = ["Telephone is ticked as a way to make contact: give the number."]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class SelfReferralSerializer(serializers.ModelSerializer):
    """What the practice's public self-referral form sends, from the practice's own
    website. The person must have agreed there to be contacted and to have it kept."""

    consent_contact = serializers.BooleanField(
        help_text="The person agreed that the practice may contact them in the ways ticked."
    )
    consent_store = serializers.BooleanField(
        help_text="The person agreed that the practice may keep what they wrote."
    )
    reason = serializers.CharField(max_length=3000)
    availability = serializers.CharField(max_length=1000, required=False, allow_blank=True)

    class Meta:
        model = Referral
        fields = [
            "full_name",
            "preferred_name",
            "pronouns",
            "date_of_birth",
            "email",
            "phone",
            "contact_by_email",
            "contact_by_phone",
            "voicemail_ok",
            "reason",
            "availability",
            "consent_contact",
            "consent_store",
        ]

    def validate_date_of_birth(self, born):
        return check_birth_date(born)

    def validate(self, attrs):
        problems = self_referral_contact_problems(attrs)
        if not attrs.get("consent_contact"):
            problems.append(("consent_contact", "The person must agree to be contacted."))
        if not attrs.get("consent_store"):
            problems.append(("consent_store", "The person must agree that the form is kept."))
        if problems:
            errors: dict[str, list[str]] = {}
            for field, message in problems:
                errors.setdefault(field or "non_field_errors", []).append(str(message))
            raise serializers.ValidationError(errors)
        return attrs

    def referral_data(self) -> dict:
        """The answers as `submit_self_referral` takes them."""
        data = dict(self.validated_data)
        data.pop("consent_contact")
        data.pop("consent_store")
        return data


class ReferralListFilters(ListFilters):
    status = serializers.ChoiceField(choices=Referral.Status.choices, required=False)
    received_from = serializers.DateField(required=False, help_text="Received on or after.")
    received_to = serializers.DateField(required=False, help_text="Received on or before.")
