"""The client portal's URLs, one module per area, and the public self-referral form."""

from patternwork.portal.urls import client, journal, letters, offers, referrals

app_name = "portal"

urlpatterns = [
    *referrals.urlpatterns,
    *client.urlpatterns,
    *journal.urlpatterns,
    *letters.urlpatterns,
    *offers.urlpatterns,
]
