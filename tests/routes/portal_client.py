from tests.routes import CASELOAD, CLIENT, PASSWORD_STAGE, PUBLIC

ROUTES = {
    "portal:login": PUBLIC,
    "portal:logout": PUBLIC,
    "portal:invitation": PUBLIC,
    "portal:password-reset": PUBLIC,
    "portal:password-reset-sent": PUBLIC,
    "portal:password-reset-confirm": PUBLIC,
    "portal:password-reset-complete": PUBLIC,
    "portal:otp-verify": PASSWORD_STAGE,
    "portal:otp-setup": CLIENT,
    "portal:home": CLIENT,
    "portal:calendar": CLIENT,
    "portal:reminders": CLIENT,
    "portal:questionnaire": CLIENT,
    "portal:questionnaire-done": CLIENT,
    "portal:offer": CLIENT,
    "portal:decision-letter-pdf": CLIENT,
    "portal:ipaf-list": CLIENT,
    "portal:ipaf": CLIENT,
    "portal:ipaf-agree": CLIENT,
    "portal:ipaf-reply": CLIENT,
    # The client's clinicians and admins (the client selector's scope).
    "clinic:client-portal-invite": CASELOAD,
    "clinic:client-portal-revoke": CASELOAD,
}
OBJECT_ROUTES = {
    "clinic:client-portal-invite": "client",
    "clinic:client-portal-revoke": "client",
}
POST_ONLY = {
    "portal:logout",
    "portal:ipaf-agree",
    "portal:ipaf-reply",
    "clinic:client-portal-invite",
    "clinic:client-portal-revoke",
}
# Portal pages about one of the client's own objects: name -> kind (see
# tests/portal/test_portal_access.py). Kept apart from OBJECT_ROUTES, whose generic tests
# log in staff members.
CLIENT_OBJECT_ROUTES = {
    "portal:questionnaire": "appointment",
    "portal:questionnaire-done": "appointment",
    "portal:offer": "offer",
    "portal:decision-letter-pdf": "decision_letter",
    "portal:ipaf": "ipaf_version",
}
