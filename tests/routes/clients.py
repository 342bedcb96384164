from tests.routes import ADMIN, CASELOAD, STAFF

ROUTES = {
    "clinic:client-list": STAFF,
    "clinic:client-new": STAFF,
    "clinic:client-detail": CASELOAD,
    "clinic:client-edit": CASELOAD,
    "clinic:client-assign": CASELOAD,
    "clinic:client-record-export": ADMIN,
}
OBJECT_ROUTES = {
    "clinic:client-detail": "client",
    "clinic:client-edit": "client",
    "clinic:client-assign": "client",
    "clinic:client-record-export": "client",
}
POST_ONLY = {"clinic:client-assign"}
LIST_CONTENTS = {"clinic:client-list": [("", "client"), ("q=mine", "client")]}
