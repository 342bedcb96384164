"""The client portal's URLs, one module per area, and the public pages of each practice."""

from patternwork.portal.urls import (
    client,
    ipaf,
    journal,
    letters,
    offers,
    password_reset,
    public,
    referrals,
)

app_name = "portal"

urlpatterns = [
    *public.urlpatterns,
    *referrals.urlpatterns,
    *client.urlpatterns,
    *password_reset.urlpatterns,
    *journal.urlpatterns,
    *ipaf.urlpatterns,
    *letters.urlpatterns,
    *offers.urlpatterns,
]
