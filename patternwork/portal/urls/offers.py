from django.urls import path

from patternwork.portal.views import offers

urlpatterns = [
    path("portal/offers/<uuid:public_id>/", offers.offer, name="offer"),
    path(
        "portal/assessment-letters/<uuid:public_id>/letter.pdf",
        offers.decision_letter_pdf,
        name="decision-letter-pdf",
    ),
]
