from django.urls import path, re_path

from patternwork.api.fhir import views

app_name = "fhir"

urlpatterns = [
    path("metadata", views.Metadata.as_view(), name="metadata"),
    path(
        "Patient/<str:patient_id>/$everything",
        views.PatientEverything.as_view(),
        name="patient-everything",
    ),
    path(
        "QuestionnaireResponse",
        views.QuestionnaireResponseCreate.as_view(),
        name="questionnaire-response-create",
    ),
    path(
        "QuestionnaireResponse/<str:response_id>",
        views.QuestionnaireResponseRead.as_view(),
        name="questionnaire-response",
    ),
    re_path(r"^.*$", views.Unsupported.as_view(), name="unsupported"),
]
