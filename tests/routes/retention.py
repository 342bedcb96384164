from tests.routes import ADMIN

ROUTES = {
    "clinic:practice-retention": ADMIN,
    "clinic:client-death": ADMIN,
    "clinic:client-erasure": ADMIN,
}
OBJECT_ROUTES = {
    "clinic:client-death": "client",
    "clinic:client-erasure": "client",
}
