"""The public self-referral form of each practice."""

from django.urls import path

from patternwork.portal.views import referrals

urlpatterns = [
    path("refer/<slug:practice_slug>/", referrals.self_referral, name="self-referral"),
    path(
        "refer/<slug:practice_slug>/sent/",
        referrals.self_referral_sent,
        name="self-referral-sent",
    ),
]
