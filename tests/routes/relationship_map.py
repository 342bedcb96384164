from tests.routes import CASELOAD

ROUTES = {
    "clinic:relationship-map": CASELOAD,
    "clinic:person-edit": CASELOAD,
    "clinic:person-archive": CASELOAD,
}
OBJECT_ROUTES = {
    "clinic:relationship-map": "client",
    "clinic:person-edit": "person",
    "clinic:person-archive": "person",
}
POST_ONLY = {"clinic:person-archive"}
