"""Supervision records with their actions, DIT session ratings and not-on-track flags,
read-only and scoped as on the pages.

A supervision session is the supervisor's and its supervisees' alone (not an admin's, as
on the pages); a rating and a flag are clinical content of a client, read under the
clinical scope. Every answer that shows a client's content records the read.
"""

from __future__ import annotations

from django.db.models import Q
from drf_spectacular.utils import extend_schema

from patternwork.accounts.access import deny_not_found, record_read, require_role, visible
from patternwork.accounts.models import Membership
from patternwork.api.serializers import supervision as s
from patternwork.api.views.lists import DetailView, ListView
from patternwork.clients.models import Client
from patternwork.measures.models import TrackFlag
from patternwork.supervision import selectors

Role = Membership.Role
SESSION_READ = "supervision session"


def rating_rows():
    return selectors.rating_rows()


def track_flag_rows():
    return TrackFlag.objects.select_related("client", "course", "response", "acknowledged_by")


class SupervisionSessionList(ListView):
    """Supervision sessions you gave or attended. A supervisee sees the clients of theirs
    discussed and their own actions, never the notes; supervisors and therapists only."""

    serializer_class = s.SupervisionSessionSerializer
    filters_class = s.SupervisionSessionListFilters
    ordering = ("created_at", "id")
    reads = SESSION_READ
    # A session discusses several clients: filtered below, within the reader's scope.
    related_filters: dict[str, str] = {}

    @extend_schema(summary="Supervision sessions you gave or attended, with their actions")
    def get(self, request, *args, **kwargs):
        require_role(request, Role.THERAPIST, Role.SUPERVISOR)
        return super().get(request, *args, **kwargs)

    def rows(self):
        return selectors.supervision_records(self.reader(), self.membership)

    def narrow(self, rows, filters):
        if "client" in filters:
            # Only a client the reader may see: a colleague's client in a group session
            # must not reveal, by the answer, that it was discussed there.
            rows = rows.filter(
                clients__in=visible(self.reader(), Client).filter(public_id=filters["client"])
            )
        if "held_from" in filters:
            rows = rows.filter(held_on__gte=filters["held_from"])
        if "held_to" in filters:
            rows = rows.filter(held_on__lte=filters["held_to"])
        return rows

    def clients_shown(self, page) -> list:
        return [client for session in page for client in session.clients.all()]


class SupervisionSessionDetail(DetailView):
    """One supervision session you gave or attended, as the list shows it."""

    serializer_class = s.SupervisionSessionSerializer

    def rows(self):
        return selectors.supervision_records(self.reader(), self.membership)

    def get_object(self, public_id):
        # A session is not one client's record, so it has no access scope of its own:
        # it is found among the member's sessions, as on the session page.
        found = self.rows().filter(public_id=public_id).first()
        if found is None:
            raise deny_not_found(
                user=self.request.user,
                membership=self.membership,
                object_type="supervision.supervisionsession",
                object_id=str(public_id),
            )
        record_read(self.reader(), found.clients.all(), SESSION_READ)
        return found


class SessionRatingList(ListView):
    """Supervisors' DIT adherence and competence ratings of sessions in your clinical scope."""

    serializer_class = s.SessionRatingSerializer
    filters_class = s.SessionRatingListFilters
    reads = "session rating"
    client_path = "course.client.public_id"
    related_filters = {
        "client": "course__client__public_id",
        "course": "course__public_id",
        "therapist": "therapist__public_id",
    }

    def rows(self):
        return visible(self.reader(), rating_rows())


class SessionRatingDetail(DetailView):
    """One session's rating, item by item, with the mean competence per domain."""

    serializer_class = s.SessionRatingSerializer

    def rows(self):
        return rating_rows()


class TrackFlagList(ListView):
    """Not-on-track flags in your clinical scope, each with its why: the score, the
    expected range at that session and the curve (or fallback rule) it came from."""

    serializer_class = s.TrackFlagSerializer
    filters_class = s.TrackFlagListFilters
    ordering = ("raised_at", "id")
    reads = "not-on-track flag"

    def rows(self):
        return visible(self.reader(), track_flag_rows())

    def narrow(self, rows, filters):
        if filters.get("state") == "open":
            rows = rows.open()
        elif filters.get("state") == "closed":
            rows = rows.filter(Q(cleared_at__isnull=False) | Q(acknowledged_at__isnull=False))
        return rows


class TrackFlagDetail(DetailView):
    """One not-on-track flag with its why."""

    serializer_class = s.TrackFlagSerializer

    def rows(self):
        return track_flag_rows()
