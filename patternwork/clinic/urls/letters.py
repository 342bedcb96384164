from django.urls import path

from patternwork.clinic.views import letters

urlpatterns = [
    path("courses/<uuid:public_id>/letter/", letters.letter_page, name="letter"),
    path("courses/<uuid:public_id>/letter/start/", letters.letter_start, name="letter-start"),
    path("courses/<uuid:public_id>/letter/share/", letters.letter_share, name="letter-share"),
    path(
        "courses/<uuid:public_id>/letter/discussed/",
        letters.letter_discussed,
        name="letter-discussed",
    ),
    path("courses/<uuid:public_id>/letter.pdf", letters.letter_pdf, name="letter-pdf"),
    path(
        "courses/<uuid:public_id>/summary.pdf",
        letters.course_summary_pdf,
        name="course-summary-pdf",
    ),
]
