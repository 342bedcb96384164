from django.urls import path

from patternwork.clinic.views import journal

urlpatterns = [
    path("courses/<uuid:public_id>/journal/", journal.journal_list, name="journal-list"),
    path("journal/<uuid:public_id>/", journal.journal_entry, name="journal-entry"),
    path(
        "journal/<uuid:public_id>/episode/",
        journal.journal_to_episode,
        name="journal-to-episode",
    ),
]
