"""Supervision records with their actions, DIT session ratings and not-on-track flags."""

from __future__ import annotations

import uuid

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from patternwork.api.serializers.common import ClientFilters, CourseFilters, Output, Resource, ref
from patternwork.measures.models import TrackFlag
from patternwork.supervision import rubric
from patternwork.supervision.models import (
    ItemRating,
    SessionRating,
    SupervisionAction,
    SupervisionSession,
)


class SupervisionActionSerializer(Resource, Output):
    owner = ref("owner")
    client = serializers.SerializerMethodField(
        help_text="The client it is about, if any and if in your scope (else null)."
    )
    done_by = ref("done_by", allow_null=True)

    class Meta:
        model = SupervisionAction
        fields = [
            "id",
            "owner",
            "client",
            "text",
            "due_on",
            "done_at",
            "done_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_client(self, action) -> uuid.UUID | None:
        # In group supervision an action may be about a colleague's client, whose
        # identity its owner may not see (supervision.selectors.with_client_shown).
        if action.client_id is None or not action.client_shown:
            return None
        return action.client.public_id


class SupervisionSessionSerializer(Resource, Output):
    supervisor = ref("supervisor")
    supervisees = serializers.SlugRelatedField(
        slug_field="public_id", many=True, read_only=True, help_text="Members supervised."
    )
    clients = serializers.SlugRelatedField(
        slug_field="public_id",
        many=True,
        read_only=True,
        help_text="The clients discussed that are in your scope.",
    )
    notes = serializers.SerializerMethodField(
        help_text="The supervisor's notes: null for anyone but the session's supervisor."
    )
    actions = SupervisionActionSerializer(
        many=True,
        read_only=True,
        help_text="All the actions agreed, for the supervisor; your own, for a supervisee.",
    )

    class Meta:
        model = SupervisionSession
        fields = [
            "id",
            "held_on",
            "supervisor",
            "supervisees",
            "clients",
            "notes",
            "actions",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_notes(self, session) -> str | None:
        # In group supervision the notes speak of every supervisee's clients.
        if session.supervisor_id != self.context["request"].membership.pk:
            return None
        return session.notes


class SupervisionSessionListFilters(ClientFilters):
    held_from = serializers.DateField(required=False, help_text="Held on or after this day.")
    held_to = serializers.DateField(required=False, help_text="Held on or before this day.")


class ItemRatingSerializer(serializers.ModelSerializer):
    position = serializers.IntegerField(source="item.position", read_only=True)
    domain = serializers.ChoiceField(
        source="item.domain", choices=[d.value for d in rubric.Domain], read_only=True
    )
    text = serializers.CharField(source="item.text", read_only=True)

    class Meta:
        model = ItemRating
        fields = ["position", "domain", "text", "frequency", "competence"]
        read_only_fields = fields


class SessionRatingSerializer(Resource, Output):
    appointment = ref("appointment")
    course = ref("course")
    client = ref("course.client")
    therapist = ref("therapist")
    rater = ref("rater")
    rubric_version = serializers.IntegerField(source="rubric.version", read_only=True)
    items = ItemRatingSerializer(many=True, read_only=True)
    domain_means = serializers.SerializerMethodField(
        help_text="Mean competence (0-6) per domain, over the items rated for competence."
    )

    class Meta:
        model = SessionRating
        fields = [
            "id",
            "appointment",
            "course",
            "client",
            "therapist",
            "rater",
            "rubric_version",
            "phase",
            "comment",
            "items",
            "domain_means",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_domain_means(self, rating) -> dict[str, float]:
        return rubric.domain_means((i.item.domain, i.competence) for i in rating.items.all())


class SessionRatingListFilters(CourseFilters):
    therapist = serializers.UUIDField(required=False, help_text="Only this therapist's sessions.")


class TrackFlagSerializer(Resource, Output):
    client = ref("client")
    course = ref("course")
    response = ref("response", help_text="The PHQ-9 that the flag was raised or moved on.")
    acknowledged_by = ref("acknowledged_by", allow_null=True)
    is_open = serializers.BooleanField(read_only=True)
    discussed_in = serializers.UUIDField(
        read_only=True, allow_null=True, help_text="The supervision session that discussed it."
    )

    class Meta:
        model = TrackFlag
        fields = [
            "id",
            "client",
            "course",
            "response",
            "session",
            "score",
            "first_score",
            "expected_low",
            "expected_high",
            "band",
            "basis",
            "curve_courses",
            "reason",
            "raised_at",
            "is_open",
            "cleared_at",
            "acknowledged_at",
            "acknowledged_by",
            "note",
            "discussed_in",
            "discussed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class TrackFlagListFilters(CourseFilters):
    state = serializers.ChoiceField(
        choices=["open", "closed"],
        required=False,
        help_text="open: neither cleared by an on-track score nor acknowledged.",
    )
