from django.urls import path

from patternwork.clinic.views import clients

urlpatterns = [
    path("clients/", clients.client_list, name="client-list"),
    path("clients/new/", clients.client_new, name="client-new"),
    path("clients/<uuid:public_id>/", clients.client_detail, name="client-detail"),
    path("clients/<uuid:public_id>/edit/", clients.client_edit, name="client-edit"),
    path("clients/<uuid:public_id>/assign/", clients.client_assign, name="client-assign"),
    path(
        "clients/<uuid:public_id>/record-export/",
        clients.client_record_export,
        name="client-record-export",
    ),
]
