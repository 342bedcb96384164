"""The OpenAPI schema and the interactive docs (Swagger UI from drf-spectacular-sidecar's
static files).

The docs page loads its script and styles from files, and its start-up script from its
own URL (`?script`), so it runs under the same strict Content Security Policy as every
page: no inline script or style, no exception.
"""

from __future__ import annotations

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView


class SchemaView(SpectacularAPIView):
    # The schema describes the API; it holds no data, so anyone may read it.
    throttle_classes = []


class DocsView(SpectacularSwaggerSplitView):
    template_name = "api/swagger_ui.html"
    url_name = "api:schema"
    throttle_classes = []
