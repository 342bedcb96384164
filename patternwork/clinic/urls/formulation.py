from django.urls import path

from patternwork.clinic.views import formulation

urlpatterns = [
    path("clients/<uuid:public_id>/episodes/", formulation.episode_list, name="episode-list"),
    path("courses/<uuid:public_id>/episodes/new/", formulation.episode_new, name="episode-new"),
    path("episodes/<uuid:public_id>/", formulation.episode_detail, name="episode-detail"),
    path("courses/<uuid:public_id>/ipaf/", formulation.ipaf, name="ipaf"),
    path("courses/<uuid:public_id>/ipaf/compare/", formulation.ipaf_compare, name="ipaf-compare"),
    path("ipaf/<uuid:public_id>/agree/", formulation.ipaf_agree, name="ipaf-agree"),
    path("ipaf/<uuid:public_id>/share/", formulation.ipaf_share, name="ipaf-share"),
]
