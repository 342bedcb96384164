from tests.routes import ADMIN, CASELOAD, LISTENER, STAFF

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
    # The treating therapist records consent and uploads; their supervisor listens too
    # (tests/supervision/test_recording_views.py).
    "clinic:recording-consent": CASELOAD,
    "clinic:recording-consent-withdraw": CASELOAD,
    "clinic:recording-upload": CASELOAD,
    "clinic:recording-delete": CASELOAD,
    "clinic:recording-audio": LISTENER,
}
OBJECT_ROUTES = {
    "clinic:supervision-session": "supervision_session",
    "clinic:supervision-action-add": "supervision_session",
    "clinic:supervision-action-done": "supervision_action",
    "clinic:therapist-supervision": "membership",
    "clinic:cosign-setting": "membership",
    "clinic:note-cosign": "note",
    "clinic:session-rating": "note",
    "clinic:recording-consent": "course",
    "clinic:recording-consent-withdraw": "course",
    "clinic:recording-upload": "appointment",
    "clinic:recording-delete": "recording",
    "clinic:recording-audio": "recording",
}
POST_ONLY = {
    "clinic:supervision-action-add",
    "clinic:supervision-action-done",
    "clinic:cosign-setting",
    "clinic:note-cosign",
    "clinic:recording-consent",
    "clinic:recording-consent-withdraw",
    "clinic:recording-upload",
    "clinic:recording-delete",
}
