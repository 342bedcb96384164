from django.urls import path

from patternwork.portal.views import journal as journal_views

urlpatterns = [
    path("portal/journal/", journal_views.journal_list, name="journal"),
    path("portal/journal/new/", journal_views.journal_new, name="journal-new"),
    path("portal/journal/<uuid:public_id>/", journal_views.journal_entry, name="journal-entry"),
    path(
        "portal/journal/<uuid:public_id>/share/",
        journal_views.journal_share,
        name="journal-share",
    ),
    path(
        "portal/journal/<uuid:public_id>/unshare/",
        journal_views.journal_unshare,
        name="journal-unshare",
    ),
]
