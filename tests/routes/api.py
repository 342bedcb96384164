from tests.routes import PUBLIC, STAFF

# The REST API authenticates each request itself (a token, or a verified staff session):
# tests/api holds its access tests. The schema, the docs page and unknown API paths
# are public.
API = "api"

ROUTES = {
    "api:schema": PUBLIC,
    "api:docs": PUBLIC,
    "api:not-found": PUBLIC,
    "api:me": API,
    "clinic:api-tokens": STAFF,
    "clinic:api-token-create": STAFF,
    "clinic:api-token-revoke": STAFF,
}
POST_ONLY = {"clinic:api-token-create", "clinic:api-token-revoke"}
