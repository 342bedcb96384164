"""Fields and filters the resource serializers share."""

from __future__ import annotations

from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


def ref(source: str, **kwargs) -> serializers.UUIDField:
    """A related object, shown by its public id."""
    return serializers.UUIDField(source=f"{source}.public_id", read_only=True, **kwargs)


class Resource(serializers.Serializer):
    """Every object: its public id and when it was created and last changed."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


# Input moments are refused outside these years: earlier ones fall before standard time
# (London kept local mean time until 1847, an offset of -00:01:15 that no date-time format
# can write), and the far future overflows date arithmetic.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2100


class MomentField(serializers.DateTimeField):
    """A date and time with its offset, between 1900 and 2100."""

    def to_internal_value(self, value):
        moment = super().to_internal_value(value)
        if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
            raise serializers.ValidationError(
                f"Give a time between the years {EARLIEST_YEAR} and {LATEST_YEAR}."
            )
        return moment


class ListFilters(serializers.Serializer):
    """Query parameters every list takes."""

    updated_since = MomentField(
        required=False, help_text="Only objects changed at or after this time (for sync)."
    )


class ClientFilters(ListFilters):
    client = serializers.UUIDField(required=False, help_text="Only this client's.")


class CourseFilters(ClientFilters):
    course = serializers.UUIDField(required=False, help_text="Only this course's.")


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$",
        "example": "10:00",
    }
)
class LocalTimeField(serializers.TimeField):
    """A wall-clock time in the practice's time zone, "HH:MM" or "HH:MM:SS" (the schema's
    `time` format would demand an offset, which a local time has not)."""


class Output(serializers.ModelSerializer):
    """A read-only view of a model, described as it really is: a blank email is "" (not
    an `email`), a blank choice "" and a time local."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.EmailField: serializers.CharField,
        models.TimeField: LocalTimeField,
    }

    def get_fields(self):
        fields = super().get_fields()
        for name, field in fields.items():
            model_field = _model_field(self.Meta.model, field.source or name)
            if model_field is None:
                continue
            if model_field.null:
                field.allow_null = True
            if isinstance(field, serializers.ChoiceField) and model_field.blank:
                field.allow_blank = True
        return fields


def _model_field(model, name: str):
    try:
        return model._meta.get_field(name)
    except Exception:  # a computed attribute has no model field
        return None
