"""The client's portal pages: login, invitation, home, calendar file, questionnaires."""

from django.urls import path

from patternwork.portal.views import client as client_views
from patternwork.portal.views import reminders as reminder_views

urlpatterns = [
    path("portal/", client_views.home, name="home"),
    path("portal/login/", client_views.login_view, name="login"),
    path("portal/login/verify/", client_views.otp_verify, name="otp-verify"),
    path("portal/login/app/", client_views.otp_setup, name="otp-setup"),
    path("portal/logout/", client_views.logout_view, name="logout"),
    path("portal/invitation/<str:token>/", client_views.invitation, name="invitation"),
    path("portal/appointments.ics", client_views.calendar, name="calendar"),
    path("portal/reminders/", reminder_views.reminders, name="reminders"),
    path(
        "portal/appointments/<uuid:public_id>/questionnaires/",
        client_views.questionnaire,
        name="questionnaire",
    ),
    path(
        "portal/appointments/<uuid:public_id>/questionnaires/done/",
        client_views.questionnaire_done,
        name="questionnaire-done",
    ),
]
