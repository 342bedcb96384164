from django.urls import path

from patternwork.clinic.views import retention

urlpatterns = [
    path("practice/retention/", retention.practice_retention, name="practice-retention"),
    path("clients/<uuid:public_id>/death/", retention.client_death, name="client-death"),
    path("clients/<uuid:public_id>/erasure/", retention.client_erasure, name="client-erasure"),
]
