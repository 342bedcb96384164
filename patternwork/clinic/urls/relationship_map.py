from django.urls import path

from patternwork.clinic.views import relationship_map

urlpatterns = [
    path(
        "clients/<uuid:public_id>/relationships/",
        relationship_map.relationship_map,
        name="relationship-map",
    ),
    path(
        "relationships/<uuid:public_id>/edit/",
        relationship_map.person_edit,
        name="person-edit",
    ),
    path(
        "relationships/<uuid:public_id>/archive/",
        relationship_map.person_archive,
        name="person-archive",
    ),
]
