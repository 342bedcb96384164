from django.urls import path

from patternwork.clinic.views import assessment, decision_letter

urlpatterns = [
    path(
        "courses/<uuid:public_id>/assessment-record/",
        assessment.assessment_record,
        name="assessment-record",
    ),
    path(
        "courses/<uuid:public_id>/assessment-record/readiness/",
        assessment.assessment_readiness,
        name="assessment-readiness",
    ),
    path(
        "courses/<uuid:public_id>/assessment-record/goals/",
        assessment.assessment_goals,
        name="assessment-goals",
    ),
    path("courses/<uuid:public_id>/goal-ratings/", assessment.goal_ratings, name="goal-ratings"),
    path(
        "courses/<uuid:public_id>/assessment-record/decision/",
        assessment.assessment_decision,
        name="assessment-decision",
    ),
    path(
        "courses/<uuid:public_id>/assessment-record/copy-relationships/",
        assessment.copy_relationships,
        name="assessment-copy-relationships",
    ),
    path(
        "courses/<uuid:public_id>/assessment-letter/",
        decision_letter.decision_letter,
        name="decision-letter",
    ),
    path(
        "courses/<uuid:public_id>/assessment-letter/share/",
        decision_letter.decision_letter_share,
        name="decision-letter-share",
    ),
    path(
        "courses/<uuid:public_id>/assessment-letter/letter.pdf",
        decision_letter.decision_letter_pdf,
        name="decision-letter-pdf",
    ),
    path("waiting-list/", assessment.waiting_list, name="waiting-list"),
    path(
        "courses/<uuid:public_id>/waiting/priority/",
        assessment.waiting_priority,
        name="waiting-priority",
    ),
    path("courses/<uuid:public_id>/waiting/offer/", assessment.waiting_offer, name="waiting-offer"),
    path("offers/<uuid:public_id>/answer/", assessment.offer_answer, name="offer-answer"),
]
