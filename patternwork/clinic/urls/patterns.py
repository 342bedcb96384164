from django.urls import path

from patternwork.clinic.views import patterns

urlpatterns = [
    path("clients/<uuid:public_id>/pattern/", patterns.pattern, name="pattern"),
    path(
        "clients/<uuid:public_id>/pattern/evidence/",
        patterns.pattern_evidence,
        name="pattern-evidence",
    ),
    path("practice/categories/", patterns.category_set, name="category-set"),
    path(
        "practice/categories/suggest/",
        patterns.category_suggestions,
        name="category-suggestions",
    ),
    path(
        "practice/categories/<uuid:public_id>/edit/",
        patterns.category_edit,
        name="category-edit",
    ),
    path(
        "practice/categories/<uuid:public_id>/retire/",
        patterns.category_retire,
        name="category-retire",
    ),
    path(
        "practice/categories/<uuid:public_id>/restore/",
        patterns.category_restore,
        name="category-restore",
    ),
]
