from tests.routes import ADMIN, CASELOAD

ROUTES = {
    "clinic:measures-record": CASELOAD,
    "clinic:risk-flag": CASELOAD,
    "clinic:track-flag": CASELOAD,
    # Supervisors and admins; a therapist gets 403.
    "clinic:oversight": ADMIN,
}
OBJECT_ROUTES = {
    "clinic:measures-record": "note",
    "clinic:risk-flag": "risk_flag",
    "clinic:track-flag": "track_flag",
}
