from django.urls import path

from patternwork.portal.views import ipaf as ipaf_views

urlpatterns = [
    path("portal/pattern/", ipaf_views.ipaf_list, name="ipaf-list"),
    path("portal/pattern/<uuid:public_id>/", ipaf_views.ipaf_detail, name="ipaf"),
    path("portal/pattern/<uuid:public_id>/agree/", ipaf_views.ipaf_agree, name="ipaf-agree"),
    path("portal/pattern/<uuid:public_id>/reply/", ipaf_views.ipaf_reply, name="ipaf-reply"),
]
