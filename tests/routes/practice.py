from tests.routes import ADMIN, OPERATOR

ROUTES = {
    "clinic:practice-settings": ADMIN,
    "clinic:staff-list": ADMIN,
    "clinic:staff-invite": ADMIN,
    "clinic:staff-detail": ADMIN,
    "clinic:staff-role": ADMIN,
    "clinic:staff-supervisees": ADMIN,
    "clinic:staff-deactivate": ADMIN,
    "clinic:staff-reactivate": ADMIN,
    "clinic:audit-log": ADMIN,
    "clinic:instance-audit": OPERATOR,
    "clinic:message-log": ADMIN,
}
OBJECT_ROUTES = {
    "clinic:staff-detail": "membership",
    "clinic:staff-role": "membership",
    "clinic:staff-supervisees": "membership",
    "clinic:staff-deactivate": "membership",
    "clinic:staff-reactivate": "membership",
}
POST_ONLY = {
    "clinic:staff-role",
    "clinic:staff-supervisees",
    "clinic:staff-deactivate",
    "clinic:staff-reactivate",
}
