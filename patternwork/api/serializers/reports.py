"""Signed session notes, and the service report as JSON."""

from __future__ import annotations

import datetime as dt

from rest_framework import serializers

from patternwork.api.serializers.common import CourseFilters, Output, Resource, ref
from patternwork.treatment.models import NoteAmendment, SessionNote
from patternwork.treatment.services.notes import note_answers

# Reports cover real service years; dates outside are typing slips, and the far ends of
# the calendar would overflow the period's date arithmetic (as on the report page).
EARLIEST = dt.date(1990, 1, 1)
LATEST = dt.date(2100, 12, 31)


class AmendmentSerializer(Resource, Output):
    author = ref("author")

    class Meta:
        model = NoteAmendment
        fields = ["id", "author", "body", "created_at", "updated_at"]
        read_only_fields = fields


class SessionNoteSerializer(Resource, Output):
    appointment = ref("appointment")
    course = ref("course")
    client = ref("course.client")
    author = ref("author")
    signed_by = ref("signed_by")
    prompts = serializers.SerializerMethodField()
    amendments = AmendmentSerializer(many=True, read_only=True)

    class Meta:
        model = SessionNote
        fields = [
            "id",
            "appointment",
            "course",
            "client",
            "author",
            "phase",
            "prompts",
            "body",
            "version",
            "signed_at",
            "signed_by",
            "amendments",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_prompts(self, note) -> dict[str, str]:
        return note_answers(note)


class NoteListFilters(CourseFilters):
    pass


class ReportFilters(serializers.Serializer):
    therapist = serializers.UUIDField(
        required=False, help_text="One clinician in your reporting scope (default: all of it)."
    )
    ended_from = serializers.DateField(required=False)
    ended_to = serializers.DateField(required=False)

    def _in_range(self, value):
        if value is not None and not EARLIEST <= value <= LATEST:
            raise serializers.ValidationError(
                f"Enter a date between {EARLIEST.isoformat()} and {LATEST.isoformat()}."
            )
        return value

    def validate_ended_from(self, value):
        return self._in_range(value)

    def validate_ended_to(self, value):
        return self._in_range(value)

    def validate(self, attrs):
        start, end = attrs.get("ended_from"), attrs.get("ended_to")
        if start and end and start > end:
            raise serializers.ValidationError(
                {"ended_to": ["The end date is before the start date."]}
            )
        return attrs


class RateSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    denominator = serializers.IntegerField()
    value = serializers.FloatField(allow_null=True, help_text="count / denominator; null if 0/0.")


class MeanSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    count = serializers.IntegerField()
    value = serializers.FloatField(allow_null=True)


class WaitsSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    total_days = serializers.IntegerField()
    median_days = serializers.FloatField(allow_null=True)
    within_6_weeks = RateSerializer()
    within_18_weeks = RateSerializer()


class ServiceReportSerializer(serializers.Serializer):
    """The service outcome report, as on the report page (docs/outcomes.md)."""

    referrals = serializers.IntegerField()
    started = serializers.IntegerField()
    finished = serializers.IntegerField()
    finished_without_paired_scores = RateSerializer(source="without_paired_scores")
    attended_sessions = MeanSerializer()
    did_not_attend = RateSerializer()
    paired = RateSerializer()
    at_caseness = RateSerializer()
    recovery = RateSerializer(source="outcomes.recovery")
    reliable_recovery = RateSerializer(source="outcomes.reliable_recovery")
    reliable_improvement = RateSerializer(source="outcomes.reliable_improvement")
    reliable_deterioration = RateSerializer(source="outcomes.reliable_deterioration")
    waits = WaitsSerializer()
    dated_wrongly = serializers.IntegerField(source="data_quality.count")
    left_out_of_waits = serializers.IntegerField(source="data_quality.left_out_of_waits")
