from django.urls import include, path

from patternwork import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("fhir/R4/", include("patternwork.api.fhir.urls")),
    path("", include("patternwork.api.urls")),
    path("", include("patternwork.portal.urls")),
    path("", include("patternwork.clinic.urls")),
]
