"""Lists and single objects: scoped through `accounts.access`, filtered, paged by cursor,
and recorded as reads where they show clinical content.

Every list is built in a fixed number of queries, whatever the page size: related rows
are joined, and one INSERT records the reads of the page's clients.
"""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import serializers
from rest_framework.response import Response

from patternwork.accounts.access import fetch, record_read
from patternwork.api.concurrency import with_etag
from patternwork.api.pagination import ApiCursorPagination
from patternwork.api.serializers.common import ListFilters
from patternwork.api.views.base import ApiView

# Filters that narrow a list by a related object's public id.
RELATED_FILTERS = {"client": "client__public_id", "course": "course__public_id"}


class ListView(ApiView):
    pagination_class = ApiCursorPagination
    serializer_class: type[serializers.Serializer]
    filters_class: type[serializers.Serializer] = ListFilters
    ordering = ("created_at", "id")
    # What the list shows of each client's record when it is clinical content; the path
    # from a row to its client's public id.
    reads: str | None = None
    client_path = "client.public_id"
    related_filters = RELATED_FILTERS

    def rows(self) -> QuerySet:
        raise NotImplementedError

    def narrow(self, rows: QuerySet, filters: dict) -> QuerySet:
        """Apply the list's own filters beyond the shared ones."""
        return rows

    def get(self, request, *args, **kwargs):
        params = self.filters_class(data=request.query_params)
        params.is_valid(raise_exception=True)
        filters = params.validated_data
        rows = self.rows()
        if "updated_since" in filters:
            rows = rows.filter(updated_at__gte=filters["updated_since"])
        for name, lookup in self.related_filters.items():
            if name in filters:
                rows = rows.filter(**{lookup: filters[name]})
        rows = self.narrow(rows, filters)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(rows, request, view=self)
        if self.reads:
            record_read(self.reader(), self.clients_shown(page), self.reads)
        data = self.serializer_class(page, many=True, context={"request": request}).data
        return paginator.get_paginated_response(data)

    def clients_shown(self, page) -> list:
        """The clients (rows or public ids) whose clinical content the page shows."""
        return [_path(row, self.client_path) for row in page]


class DetailView(ApiView):
    serializer_class: type[serializers.Serializer]
    # As `fetch`'s `reads`: the clinical content shown from a row that is not clinical.
    reads: str | None = None

    def rows(self) -> QuerySet:
        raise NotImplementedError

    def get_object(self, public_id):
        return fetch(self.reader(), self.rows(), public_id, reads=self.reads)

    def represent(self, obj) -> dict:
        return self.serializer_class(obj, context={"request": self.request}).data

    def get(self, request, public_id):
        return with_etag(self.represent(self.get_object(public_id)))

    def respond(self, obj) -> Response:
        return with_etag(self.represent(obj))


def _path(row, path: str):
    for part in path.split("."):
        row = getattr(row, part)
    return row
