from django.urls import path

from patternwork.clinic.views import calendar

urlpatterns = [
    path("calendar-feed/", calendar.calendar_feed, name="calendar-feed"),
    path("calendar-feed/new/", calendar.calendar_feed_create, name="calendar-feed-create"),
    path("calendar-feed/revoke/", calendar.calendar_feed_revoke, name="calendar-feed-revoke"),
    path(
        "clients/<uuid:public_id>/appointments.ics",
        calendar.client_calendar,
        name="client-calendar",
    ),
]
