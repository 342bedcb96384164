"""Fields and filters the resource serializers share."""

from __future__ import annotations

from rest_framework import serializers


def ref(source: str, **kwargs) -> serializers.UUIDField:
    """A related object, shown by its public id."""
    return serializers.UUIDField(source=f"{source}.public_id", read_only=True, **kwargs)


class Resource(serializers.Serializer):
    """Every object: its public id and when it was created and last changed."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class ListFilters(serializers.Serializer):
    """Query parameters every list takes."""

    updated_since = serializers.DateTimeField(
        required=False, help_text="Only objects changed at or after this time (for sync)."
    )
    cursor = serializers.CharField(required=False, help_text="A page's next or previous link.")
    limit = serializers.IntegerField(
        required=False, min_value=1, max_value=100, help_text="Items per page (default 50)."
    )


class ClientFilters(ListFilters):
    client = serializers.UUIDField(required=False, help_text="Only this client's.")


class CourseFilters(ClientFilters):
    course = serializers.UUIDField(required=False, help_text="Only this course's.")
