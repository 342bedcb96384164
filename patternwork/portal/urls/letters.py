from django.urls import path

from patternwork.portal.views import letters as letter_views

urlpatterns = [
    path("portal/letters/", letter_views.letter_list, name="letters"),
    path("portal/letters/<uuid:public_id>/", letter_views.letter_detail, name="letter"),
    path("portal/letters/<uuid:public_id>/letter.pdf", letter_views.letter_pdf, name="letter-pdf"),
]
