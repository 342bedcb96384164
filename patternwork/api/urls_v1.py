"""The REST API, version 1: everything under /api/v1/."""

from django.urls import path

from patternwork.api.views import me

urlpatterns = [
    path("me/", me.MeView.as_view(), name="me"),
]
