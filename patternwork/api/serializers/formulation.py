"""The relationship map's people, relationship episodes and IPAF versions."""

from __future__ import annotations

from rest_framework import serializers

from patternwork.api.serializers.common import ClientFilters, CourseFilters, Output, Resource, ref
from patternwork.formulation.models import Episode, IpafVersion, Person


class PersonSerializer(Resource, Output):
    client = ref("client")
    archived_at = serializers.DateTimeField(read_only=True)

    class Meta:
        model = Person
        fields = [
            "id",
            "client",
            "label",
            "relationship",
            "era",
            "contact",
            "closeness",
            "conflict",
            "notes",
            "archived_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class PersonListFilters(ClientFilters):
    archived = serializers.BooleanField(
        required=False, default=False, help_text="Include people taken off the map."
    )


class CodedCategoriesSerializer(serializers.Serializer):
    wish = serializers.ListField(child=serializers.UUIDField(), required=False, default=list)
    ro = serializers.ListField(child=serializers.UUIDField(), required=False, default=list)
    rs = serializers.ListField(child=serializers.UUIDField(), required=False, default=list)


class EpisodeSerializer(Resource, Output):
    client = ref("client")
    course = ref("course")
    appointment = ref("appointment", allow_null=True)
    person = ref("person", allow_null=True)
    logged_by = ref("logged_by")
    categories = serializers.SerializerMethodField()

    class Meta:
        model = Episode
        fields = [
            "id",
            "client",
            "course",
            "appointment",
            "person",
            "with_therapist",
            "when",
            "phase",
            "occurred_on",
            "account",
            "wish_text",
            "ro_text",
            "rs_text",
            "wish_valence",
            "ro_valence",
            "rs_valence",
            "showed_in_session",
            "categories",
            "logged_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_categories(self, episode) -> dict[str, list[str]]:
        coded: dict[str, list[str]] = {"wish": [], "ro": [], "rs": []}
        for code in episode.codes.all():
            coded[code.part].append(str(code.category.public_id))
        return {part: sorted(ids) for part, ids in coded.items()}


class EpisodeInputSerializer(serializers.Serializer):
    """An episode as the episode form takes it. The other person is a person on the
    client's map, or the therapist."""

    person = serializers.UUIDField(required=False, allow_null=True)
    with_therapist = serializers.BooleanField(required=False, default=False)
    when = serializers.ChoiceField(choices=Episode.When.choices)
    occurred_on = serializers.DateField(required=False, allow_null=True)
    account = serializers.CharField(max_length=20000)
    wish_text = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    ro_text = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    rs_text = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    wish_valence = serializers.ChoiceField(
        choices=Episode.Valence.choices, required=False, allow_blank=True
    )
    ro_valence = serializers.ChoiceField(
        choices=Episode.Valence.choices, required=False, allow_blank=True
    )
    rs_valence = serializers.ChoiceField(
        choices=Episode.Valence.choices, required=False, allow_blank=True
    )
    showed_in_session = serializers.BooleanField(required=False, allow_null=True)
    categories = CodedCategoriesSerializer(required=False)


class EpisodeCreateSerializer(EpisodeInputSerializer):
    course = serializers.UUIDField()
    appointment = serializers.UUIDField(
        required=False, allow_null=True, help_text="The session it was told in, if any."
    )


class IpafVersionSerializer(Resource, Output):
    course = ref("course")
    client = ref("course.client")
    author = ref("author")
    supporting_episodes = serializers.SerializerMethodField()

    class Meta:
        model = IpafVersion
        fields = [
            "id",
            "course",
            "client",
            "number",
            "self_representation",
            "other_representation",
            "linking_affects",
            "defensive_function",
            "transference",
            "agreed_on",
            "author",
            "supporting_episodes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_supporting_episodes(self, version) -> list[str]:
        return sorted(str(e.public_id) for e in version.supporting_episodes.all())


class EpisodeListFilters(CourseFilters):
    pass


class IpafListFilters(CourseFilters):
    pass
