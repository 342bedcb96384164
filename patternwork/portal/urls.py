from django.urls import path

from patternwork.portal import views

app_name = "portal"

urlpatterns = [
    path("refer/<slug:practice_slug>/", views.self_referral, name="self-referral"),
    path("refer/<slug:practice_slug>/sent/", views.self_referral_sent, name="self-referral-sent"),
]
