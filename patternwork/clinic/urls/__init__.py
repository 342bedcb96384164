"""The staff web UI's URLs, one module per area."""

from patternwork.clinic.urls import (
    api_tokens,
    assessment,
    auth,
    calendar,
    clients,
    courses,
    formulation,
    imports,
    journal,
    letters,
    measures,
    passkeys,
    patterns,
    portal_access,
    practice,
    referrals,
    relationship_map,
    reports,
    retention,
    supervision,
)

app_name = "clinic"

urlpatterns = [
    *auth.urlpatterns,
    *passkeys.urlpatterns,
    *api_tokens.urlpatterns,
    *practice.urlpatterns,
    *clients.urlpatterns,
    *retention.urlpatterns,
    *referrals.urlpatterns,
    *courses.urlpatterns,
    *assessment.urlpatterns,
    *calendar.urlpatterns,
    *measures.urlpatterns,
    *formulation.urlpatterns,
    *relationship_map.urlpatterns,
    *patterns.urlpatterns,
    *portal_access.urlpatterns,
    *journal.urlpatterns,
    *letters.urlpatterns,
    *reports.urlpatterns,
    *supervision.urlpatterns,
    *imports.urlpatterns,
]
