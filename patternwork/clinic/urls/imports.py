from django.urls import path

from patternwork.clinic.views import imports

urlpatterns = [
    path("import/caseload/", imports.caseload_import, name="caseload-import"),
    path("import/caseload/<uuid:public_id>/", imports.caseload_upload, name="caseload-upload"),
    path(
        "import/caseload/<uuid:public_id>/import/",
        imports.caseload_upload_import,
        name="caseload-upload-import",
    ),
]
