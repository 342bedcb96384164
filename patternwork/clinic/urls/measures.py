from django.urls import path

from patternwork.clinic.views import measures

urlpatterns = [
    path(
        "appointments/<uuid:public_id>/measures/",
        measures.measures_record,
        name="measures-record",
    ),
    path("risk-flags/<uuid:public_id>/", measures.risk_flag, name="risk-flag"),
    path("not-on-track/<uuid:public_id>/", measures.track_flag, name="track-flag"),
    path("oversight/", measures.oversight, name="oversight"),
]
