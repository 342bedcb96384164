from tests.routes import CASELOAD, CLIENT

ROUTES = {
    "clinic:letter": CASELOAD,
    "clinic:letter-start": CASELOAD,
    "clinic:letter-share": CASELOAD,
    "clinic:letter-discussed": CASELOAD,
    "clinic:letter-pdf": CASELOAD,
    "clinic:course-summary-pdf": CASELOAD,
    "portal:letters": CLIENT,
    "portal:letter": CLIENT,
    "portal:letter-pdf": CLIENT,
}
# Staff letter routes are addressed by their course's public id; the "letter" kind is a
# course whose goodbye letter exists, so a refusal is about scope, not a missing letter.
# Portal routes (by the letter's own id) are checked in tests/portal/test_letter_views.py.
OBJECT_ROUTES = {
    "clinic:letter": "letter",
    "clinic:letter-start": "course",
    "clinic:letter-share": "letter",
    "clinic:letter-discussed": "letter",
    "clinic:letter-pdf": "letter",
    "clinic:course-summary-pdf": "course",
}
POST_ONLY = {"clinic:letter-start", "clinic:letter-discussed"}
