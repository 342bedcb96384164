"""Courses (with their plan, phases and milestones) and appointments."""

from __future__ import annotations

from rest_framework import serializers

from patternwork.api.serializers.common import (
    ClientFilters,
    CourseFilters,
    LocalTimeField,
    MomentField,
    Output,
    Resource,
    ref,
)
from patternwork.treatment import plan
from patternwork.treatment.models import Appointment, Course
from patternwork.treatment.services.appointments import SCOPE_FOLLOWING, SCOPE_SINGLE


class CourseSerializer(Resource, Output):
    client = ref("client")
    therapist = ref("therapist")
    referral = ref("referral", allow_null=True)
    share_session = serializers.IntegerField(
        read_only=True, help_text="The session in which the goodbye letter is shared."
    )

    class Meta:
        model = Course
        fields = [
            "id",
            "client",
            "therapist",
            "referral",
            "state",
            "planned_sessions",
            "cadence",
            "session_minutes",
            "start_date",
            "start_time",
            "letter_share_session",
            "share_session",
            "started_at",
            "ended_at",
            "end_reason",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class PhaseRangeSerializer(serializers.Serializer):
    first = serializers.IntegerField()
    last = serializers.IntegerField()


class PhasesSerializer(serializers.Serializer):
    initial = PhaseRangeSerializer()
    middle = PhaseRangeSerializer()
    ending = PhaseRangeSerializer()


class ProjectionSerializer(serializers.Serializer):
    end_date = serializers.DateField(help_text="When the planned-th session is expected.")
    shortfall = serializers.IntegerField(help_text="Appointments still to be added.")
    replacement_dates = serializers.ListField(child=serializers.DateField())
    surplus = serializers.IntegerField(help_text="Booked appointments beyond the plan.")


class MilestoneSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    state = serializers.ChoiceField(choices=[s.value for s in plan.MilestoneState])
    detail = serializers.CharField()


class CourseDetailSerializer(CourseSerializer):
    """A course with its plan's phases, its progress and its milestones.

    Serialises a course carrying `overview` (`reports.caseload.course_overview`)."""

    attended = serializers.IntegerField(source="overview.attended", read_only=True)
    current_phase = serializers.ChoiceField(
        source="overview.phase", choices=[p.value for p in plan.Phase], read_only=True
    )
    phases = PhasesSerializer(source="overview.bounds", read_only=True)
    projection = ProjectionSerializer(source="overview.projection", read_only=True, allow_null=True)
    milestones = MilestoneSerializer(source="overview.milestones", many=True, read_only=True)

    class Meta(CourseSerializer.Meta):
        fields = [
            *CourseSerializer.Meta.fields,
            "attended",
            "current_phase",
            "phases",
            "projection",
            "milestones",
        ]
        read_only_fields = fields


class PlanChangeSerializer(serializers.Serializer):
    """A change of an active course's plan; fields left out keep their value."""

    planned_sessions = serializers.IntegerField(
        required=False, min_value=plan.MIN_SESSIONS, max_value=plan.MAX_SESSIONS
    )
    cadence = serializers.ChoiceField(choices=Course.Cadence.choices, required=False)
    session_minutes = serializers.IntegerField(
        required=False, min_value=plan.MIN_SESSION_MINUTES, max_value=plan.MAX_SESSION_MINUTES
    )
    start_time = LocalTimeField(required=False, help_text="Session time from now on.")
    letter_share_session = serializers.IntegerField(required=False, allow_null=True, min_value=1)


class CourseListFilters(ClientFilters):
    state = serializers.ChoiceField(choices=Course.State.choices, required=False)
    therapist = serializers.UUIDField(required=False)


class AppointmentSerializer(Resource, Output):
    course = ref("course")
    client = ref("course.client")
    therapist = ref("therapist")
    duration_minutes = serializers.IntegerField(read_only=True)

    class Meta:
        model = Appointment
        fields = [
            "id",
            "course",
            "client",
            "therapist",
            "kind",
            "status",
            "status_reason",
            "status_changed_at",
            "starts_at",
            "ends_at",
            "duration_minutes",
            "session_number",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class BookSerializer(serializers.Serializer):
    course = serializers.UUIDField()
    kind = serializers.ChoiceField(
        choices=Appointment.Kind.choices,
        help_text="assessment: at starts_at, for minutes. treatment: the next slot of the "
        "course's plan (a replacement for a cancelled or missed session).",
    )
    starts_at = MomentField(required=False)
    minutes = serializers.IntegerField(
        required=False, min_value=plan.MIN_SESSION_MINUTES, max_value=plan.MAX_SESSION_MINUTES
    )

    def validate(self, attrs):
        if attrs["kind"] == Appointment.Kind.ASSESSMENT:
            missing = {f: ["Required for an assessment."] for f in ("starts_at",) if f not in attrs}
            if missing:
                raise serializers.ValidationError(missing)
        elif "starts_at" in attrs or "minutes" in attrs:
            raise serializers.ValidationError(
                {"starts_at": ["A treatment session takes the plan's next slot: leave it out."]}
            )
        return attrs


class MoveSerializer(serializers.Serializer):
    starts_at = MomentField()
    scope = serializers.ChoiceField(
        choices=[SCOPE_SINGLE, SCOPE_FOLLOWING],
        default=SCOPE_SINGLE,
        help_text="single: this appointment; following: it and all later booked ones.",
    )


class CancelSerializer(serializers.Serializer):
    by = serializers.ChoiceField(choices=["client", "therapist"])
    reason = serializers.CharField(max_length=500)


class AppointmentListFilters(CourseFilters):
    status = serializers.ChoiceField(choices=Appointment.Status.choices, required=False)
    kind = serializers.ChoiceField(choices=Appointment.Kind.choices, required=False)
    starts_from = serializers.DateField(required=False, help_text="Starting on or after.")
    starts_to = serializers.DateField(required=False, help_text="Starting on or before.")


class OutcomeMeasureSerializer(serializers.Serializer):
    code = serializers.CharField()
    first = serializers.IntegerField(source="first.total", allow_null=True, default=None)
    first_at = serializers.DateTimeField(source="first.when", allow_null=True, default=None)
    last = serializers.IntegerField(source="last.total", allow_null=True, default=None)
    last_at = serializers.DateTimeField(source="last.when", allow_null=True, default=None)
    change = serializers.CharField(
        allow_null=True, help_text="improved, no_reliable_change or deteriorated."
    )


class OutcomeSerializer(serializers.Serializer):
    """A course's outcome by the NHS Talking Therapies definitions (docs/outcomes.md)."""

    course = serializers.UUIDField()
    finished = serializers.BooleanField()
    paired = serializers.BooleanField()
    depression = OutcomeMeasureSerializer()
    anxiety = OutcomeMeasureSerializer()
    caseness_at_start = serializers.BooleanField(allow_null=True)
    recovered = serializers.BooleanField(allow_null=True)
    reliable_improvement = serializers.BooleanField(allow_null=True)
    reliable_deterioration = serializers.BooleanField(allow_null=True)
    no_reliable_change = serializers.BooleanField(allow_null=True)
    reliable_recovery = serializers.BooleanField(allow_null=True)
