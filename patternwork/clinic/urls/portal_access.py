"""Staff actions on a client's portal access (the card on the client page)."""

from django.urls import path

from patternwork.clinic.views import portal_access

urlpatterns = [
    path(
        "clients/<uuid:public_id>/portal/invite/",
        portal_access.portal_invite,
        name="client-portal-invite",
    ),
    path(
        "clients/<uuid:public_id>/portal/remove/",
        portal_access.portal_revoke,
        name="client-portal-revoke",
    ),
]
