"""The public pages: the instance's practices at `/`, and each practice's page."""

from django.urls import path

from patternwork.portal.views import public

urlpatterns = [
    path("", public.directory, name="directory"),
    path("p/<slug:practice_slug>/", public.practice_page, name="practice-page"),
]
