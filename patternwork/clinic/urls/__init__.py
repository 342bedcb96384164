"""The staff web UI's URLs, one module per area."""

from patternwork.clinic.urls import (
    auth,
    calendar,
    clients,
    courses,
    measures,
    practice,
    referrals,
)

app_name = "clinic"

urlpatterns = [
    *auth.urlpatterns,
    *practice.urlpatterns,
    *clients.urlpatterns,
    *referrals.urlpatterns,
    *courses.urlpatterns,
    *calendar.urlpatterns,
    *measures.urlpatterns,
]
