from django.urls import path

from patternwork.api import views

app_name = "api"

urlpatterns = [
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar-feed"),
]
