from django.urls import path

from patternwork.portal import client_urls, journal_urls, letter_urls, views

app_name = "portal"

urlpatterns = [
    path("refer/<slug:practice_slug>/", views.self_referral, name="self-referral"),
    path("refer/<slug:practice_slug>/sent/", views.self_referral_sent, name="self-referral-sent"),
    *client_urls.urlpatterns,
    *journal_urls.urlpatterns,
    *letter_urls.urlpatterns,
]
