from tests.routes import CASELOAD

ROUTES = {
    "clinic:episode-list": CASELOAD,
    "clinic:episode-new": CASELOAD,
    "clinic:episode-detail": CASELOAD,
    "clinic:ipaf": CASELOAD,
    "clinic:ipaf-compare": CASELOAD,
    "clinic:ipaf-agree": CASELOAD,
    "clinic:ipaf-share": CASELOAD,
}
OBJECT_ROUTES = {
    "clinic:episode-list": "client",
    "clinic:episode-new": "course",
    "clinic:episode-detail": "episode",
    "clinic:ipaf": "course",
    "clinic:ipaf-compare": "course",
    "clinic:ipaf-agree": "ipaf_version",
    "clinic:ipaf-share": "ipaf_version",
}
POST_ONLY = {"clinic:ipaf-agree", "clinic:ipaf-share"}
