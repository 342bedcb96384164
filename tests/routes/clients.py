from tests.routes import CASELOAD, STAFF

ROUTES = {
    "clinic:client-list": STAFF,
    "clinic:client-new": STAFF,
    "clinic:client-detail": CASELOAD,
    "clinic:client-edit": CASELOAD,
    "clinic:client-assign": CASELOAD,
}
OBJECT_ROUTES = {
    "clinic:client-detail": "client",
    "clinic:client-edit": "client",
    "clinic:client-assign": "client",
}
POST_ONLY = {"clinic:client-assign"}
