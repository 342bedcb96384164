"""Questionnaire responses and risk flags."""

from __future__ import annotations

from rest_framework import serializers

from patternwork.api.serializers.common import CourseFilters, Output, Resource, ref
from patternwork.measures.models import Response, RiskFlag
from patternwork.measures.selectors import ORDER


class ResponseSerializer(Resource, Output):
    client = ref("client")
    course = ref("course")
    appointment = ref("appointment", allow_null=True)
    answers = serializers.DictField(
        child=serializers.IntegerField(allow_null=True),
        read_only=True,
        help_text="Item key to the value of the answer chosen (null: not applicable).",
    )

    class Meta:
        model = Response
        fields = [
            "id",
            "client",
            "course",
            "appointment",
            "instrument",
            "instrument_version",
            "source",
            "status",
            "completed_at",
            "answers",
            "total",
            "max_total",
            "band",
            "caseness",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class AnswersSerializer(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.IntegerField(allow_null=True),
        allow_empty=False,
        help_text="Item key (q1, q2...) to the value of the answer chosen; null for not "
        "applicable where the item allows it.",
    )


class ResponseCreateSerializer(AnswersSerializer):
    appointment = serializers.UUIDField(help_text="The attended appointment it was given at.")
    instrument = serializers.ChoiceField(choices=list(ORDER))


class ResponseListFilters(CourseFilters):
    instrument = serializers.ChoiceField(choices=list(ORDER), required=False)
    status = serializers.ChoiceField(
        choices=Response.Status.choices,
        required=False,
        help_text="complete (the default) or draft (a client's unsent answers).",
    )
    completed_from = serializers.DateField(required=False)
    completed_to = serializers.DateField(required=False)


class RiskFlagSerializer(Resource, Output):
    client = ref("client")
    course = ref("course")
    response = ref("response")
    acknowledged_by = ref("acknowledged_by", allow_null=True)
    is_open = serializers.BooleanField(read_only=True)

    class Meta:
        model = RiskFlag
        fields = [
            "id",
            "client",
            "course",
            "response",
            "instrument",
            "item",
            "item_text",
            "value",
            "value_label",
            "raised_at",
            "is_open",
            "acknowledged_at",
            "acknowledged_by",
            "action_note",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class AcknowledgeSerializer(serializers.Serializer):
    note = serializers.CharField(
        max_length=5000, help_text="What was done about the answer (kept encrypted)."
    )


class RiskFlagListFilters(CourseFilters):
    state = serializers.ChoiceField(choices=["open", "acknowledged"], required=False)
