from django.urls import include, path, re_path

from patternwork.api import problems
from patternwork.api.views import docs, feeds

app_name = "api"

urlpatterns = [
    path("calendar/<str:token>.ics", feeds.calendar_feed, name="calendar-feed"),
    path("api/schema/", docs.SchemaView.as_view(), name="schema"),
    path("api/docs/", docs.DocsView.as_view(), name="docs"),
    path("api/v1/", include("patternwork.api.urls_v1")),
    # Any other path under /api/ answers a problem+json 404, not the HTML page.
    re_path(r"^api/", problems.not_found, name="not-found"),
]
