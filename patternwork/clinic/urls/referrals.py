from django.urls import path

from patternwork.clinic.views import referrals

urlpatterns = [
    path("referrals/", referrals.referral_list, name="referral-list"),
    path("referrals/new/", referrals.referral_create, name="referral-create"),
    path("referrals/<uuid:public_id>/", referrals.referral_detail, name="referral-detail"),
    path(
        "referrals/<uuid:public_id>/contacted/",
        referrals.referral_contacted,
        name="referral-contacted",
    ),
    path(
        "referrals/<uuid:public_id>/decline/", referrals.referral_decline, name="referral-decline"
    ),
    path("referrals/<uuid:public_id>/accept/", referrals.referral_accept, name="referral-accept"),
]
