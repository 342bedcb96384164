from tests.routes import ADMIN, CASELOAD, STAFF

ROUTES = {
    "clinic:assessment-record": CASELOAD,
    "clinic:assessment-readiness": CASELOAD,
    "clinic:assessment-goals": CASELOAD,
    "clinic:goal-ratings": CASELOAD,
    "clinic:assessment-decision": CASELOAD,
    # The list is scoped: a therapist sees their own waiting clients, an admin all.
    "clinic:assessment-copy-relationships": CASELOAD,
    "clinic:decision-letter": CASELOAD,
    "clinic:decision-letter-share": CASELOAD,
    "clinic:decision-letter-pdf": CASELOAD,
    "clinic:waiting-list": STAFF,
    "clinic:waiting-priority": ADMIN,
    "clinic:waiting-offer": CASELOAD,
    "clinic:offer-answer": CASELOAD,
}
OBJECT_ROUTES = {
    "clinic:assessment-record": "course",
    "clinic:assessment-readiness": "course",
    "clinic:assessment-goals": "course",
    "clinic:goal-ratings": "course",
    "clinic:assessment-decision": "course",
    "clinic:assessment-copy-relationships": "course",
    "clinic:decision-letter": "course",
    "clinic:decision-letter-share": "course",
    "clinic:decision-letter-pdf": "course",
    "clinic:waiting-priority": "waiting",
    "clinic:waiting-offer": "waiting",
    "clinic:offer-answer": "offer",
}
POST_ONLY = {
    "clinic:decision-letter-share",
    "clinic:assessment-copy-relationships",
    "clinic:assessment-readiness",
    "clinic:assessment-goals",
    "clinic:goal-ratings",
    "clinic:assessment-decision",
    "clinic:offer-answer",
}
LIST_CONTENTS = {"clinic:waiting-list": [("", "waiting")]}
