"""Cursor pagination: stable pages while rows are added, and no COUNT query.

Each list view sets its `ordering`; the first field positions the cursor. `limit`
chooses the page size (1-100, 50 by default).
"""

from __future__ import annotations

from rest_framework.pagination import CursorPagination


class ApiCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "limit"
    max_page_size = 100
    ordering = ("created_at", "id")
    cursor_query_description = "The page to fetch: the `next` or `previous` link of a page."
    page_size_query_description = "Items per page (1-100, default 50)."

    def get_ordering(self, request, queryset, view):
        return getattr(view, "ordering", None) or self.ordering

    def get_page_size(self, request):
        size = super().get_page_size(request)
        return max(1, size or self.page_size)
