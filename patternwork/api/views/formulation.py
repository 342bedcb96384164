"""The relationship map's people, relationship episodes (also logged and corrected
through the formulation services, as on the episode pages) and IPAF versions."""

from __future__ import annotations

import uuid

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError

from patternwork.accounts.access import fetch, visible
from patternwork.api.concurrency import guarded_update, with_etag
from patternwork.api.idempotency import idempotent
from patternwork.api.serializers import formulation as s
from patternwork.api.views.lists import DetailView, ListView
from patternwork.formulation import selectors, services
from patternwork.formulation.models import Episode, Person
from patternwork.treatment.selectors import course_rows

EPISODE_FIELDS = services.EPISODE_FIELDS
PARTS = services.PARTS
UNKNOWN_PERSON = "That person is not on this client's map."
UNKNOWN_CATEGORY = "Not one of this practice's categories for this part."
UNKNOWN_APPOINTMENT = "Not an appointment of this course."


class PersonList(ListView):
    serializer_class = s.PersonSerializer
    filters_class = s.PersonListFilters
    reads = "relationship map"
    related_filters = {"client": "client__public_id"}

    def rows(self):
        return visible(self.reader(), selectors.person_rows())

    def narrow(self, rows, filters):
        return rows if filters.get("archived") else rows.filter(archived_at__isnull=True)


class PersonDetail(DetailView):
    serializer_class = s.PersonSerializer

    def rows(self):
        return selectors.person_rows()


def episode_rows():
    return selectors.episodes_query().select_related("logged_by")


def _resolve(episode_input: dict, *, client, practice) -> tuple:
    """The person, the therapist flag and the categories an episode input names."""
    person = None
    if episode_input.get("person"):
        person = Person.objects.filter(client=client, public_id=episode_input["person"]).first()
        if person is None:
            raise ValidationError({"person": [UNKNOWN_PERSON]})
    coded = episode_input.get("categories") or {}
    offered = {c.public_id: c for c in selectors.categories_of(practice)}
    categories = {}
    for part in PARTS:
        chosen = []
        for public_id in coded.get(part, []):
            category = offered.get(public_id)
            if category is None or category.part != part:
                raise ValidationError({f"categories.{part}": [UNKNOWN_CATEGORY]})
            chosen.append(category)
        categories[part] = chosen
    return person, bool(episode_input.get("with_therapist")), categories


class EpisodeList(ListView):
    serializer_class = s.EpisodeSerializer
    filters_class = s.EpisodeListFilters
    reads = "relationship episodes"

    def rows(self):
        return visible(self.reader(), episode_rows())

    @extend_schema(
        request=s.EpisodeCreateSerializer,
        responses={201: s.EpisodeSerializer},
        summary="Log a relationship episode",
    )
    def post(self, request):
        return idempotent(request, lambda: self._create(request))

    def _create(self, request):
        data = s.EpisodeCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        course = fetch(self.reader(), course_rows(), given["course"], reads="relationship episodes")
        appointment = None
        if given.get("appointment"):
            appointment = course.appointments.filter(public_id=given["appointment"]).first()
            if appointment is None:
                raise ValidationError({"appointment": [UNKNOWN_APPOINTMENT]})
        person, with_therapist, categories = _resolve(
            given, client=course.client, practice=course.practice
        )
        episode = services.log_episode(
            course=course,
            data={f: given[f] for f in EPISODE_FIELDS if f in given},
            person=person,
            with_therapist=with_therapist,
            categories=categories,
            appointment=appointment,
            by=self.membership,
        )
        stored = episode_rows().get(pk=episode.pk)
        return with_etag(
            s.EpisodeSerializer(stored).data,
            status_code=status.HTTP_201_CREATED,
            headers={"Location": f"/api/v1/episodes/{episode.public_id}/"},
        )


class EpisodeDetail(DetailView):
    serializer_class = s.EpisodeSerializer
    if_match = True

    def rows(self):
        return episode_rows()

    @extend_schema(
        request=s.EpisodeInputSerializer,
        responses=s.EpisodeSerializer,
        summary="Correct a relationship episode (fields left out keep their value)",
    )
    def patch(self, request, public_id):
        episode = self.get_object(public_id)
        data = s.EpisodeInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        given = dict(data.validated_data)

        def write(locked):
            merged = {
                "person": locked.person.public_id if locked.person else None,
                "with_therapist": locked.with_therapist,
                "categories": s.EpisodeSerializer().get_categories(locked),
            }
            if "person" in given or "with_therapist" in given:
                merged["person"] = given.get("person")
                merged["with_therapist"] = given.get("with_therapist", False)
            if "categories" in given:
                merged["categories"] = {part: given["categories"].get(part, []) for part in PARTS}
            else:
                merged["categories"] = {
                    part: [_uuid(v) for v in ids] for part, ids in merged["categories"].items()
                }
            person, with_therapist, categories = _resolve(
                merged, client=locked.client, practice=locked.course.practice
            )
            services.update_episode(
                episode=locked,
                data={f: given[f] for f in EPISODE_FIELDS if f in given},
                person=person,
                with_therapist=with_therapist,
                categories=categories,
                by=self.membership,
            )
            return episode_rows().get(pk=locked.pk)

        return guarded_update(
            request,
            lock=lambda: _locked_episode(episode),
            represent=self.represent,
            write=write,
            respond=self.respond,
        )


def _locked_episode(episode: Episode) -> Episode:
    Episode.objects.select_for_update().filter(pk=episode.pk).first()
    return episode_rows().select_related("course__practice").get(pk=episode.pk)


def _uuid(value):
    return uuid.UUID(str(value))


def ipaf_rows():
    return selectors.ipaf_rows().prefetch_related(
        Prefetch("supporting_episodes", queryset=Episode.objects.only("pk", "public_id"))
    )


class IpafList(ListView):
    serializer_class = s.IpafVersionSerializer
    filters_class = s.IpafListFilters
    reads = "IPAF"
    client_path = "course.client.public_id"
    related_filters = {"client": "course__client__public_id", "course": "course__public_id"}

    def rows(self):
        return visible(self.reader(), ipaf_rows())


class IpafDetail(DetailView):
    serializer_class = s.IpafVersionSerializer

    def rows(self):
        return ipaf_rows()
