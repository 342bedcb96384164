from tests.routes import ADMIN, CASELOAD, STAFF

ROUTES = {
    # Supervisors only (the admin-class checks: a therapist gets an audited 403).
    "clinic:supervision": ADMIN,
    "clinic:supervision-session-new": ADMIN,
    # Supervisors and admins; a therapist gets an audited 403.
    "clinic:rubric": ADMIN,
    # A session is reached by its supervisor and its supervisees; anyone else gets a 404
    # (tests/supervision/test_views.py).
    "clinic:supervision-session": STAFF,
    "clinic:supervision-action-add": STAFF,
    "clinic:supervision-action-done": STAFF,
    # The therapist's own page, or their supervisor's view of it.
    "clinic:therapist-supervision": STAFF,
    # An admin of the practice or the therapist's supervisor.
    "clinic:cosign-setting": STAFF,
    "clinic:note-cosign": CASELOAD,
    "clinic:session-rating": CASELOAD,
}
OBJECT_ROUTES = {
    "clinic:supervision-session": "supervision_session",
    "clinic:supervision-action-add": "supervision_session",
    "clinic:supervision-action-done": "supervision_action",
    "clinic:therapist-supervision": "membership",
    "clinic:cosign-setting": "membership",
    "clinic:note-cosign": "note",
    "clinic:session-rating": "note",
}
POST_ONLY = {
    "clinic:supervision-action-add",
    "clinic:supervision-action-done",
    "clinic:cosign-setting",
    "clinic:note-cosign",
}
