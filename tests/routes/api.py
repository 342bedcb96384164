from patternwork.api import urls_v1
from tests.routes import PUBLIC, STAFF

# The REST API authenticates each request itself (a token, or a verified staff session):
# tests/api holds its access tests. The schema, the docs page and unknown API paths
# are public.
API = "api"

ROUTES = {
    "api:schema": PUBLIC,
    "api:docs": PUBLIC,
    "api:not-found": PUBLIC,
    # Every /api/v1/ endpoint has the same gate (a token or verified session, TokenScope)
    # and scopes its objects through accounts.access: tests/api/test_access.py.
    **{f"api:{pattern.name}": API for pattern in urls_v1.urlpatterns},
    "clinic:api-tokens": STAFF,
    "clinic:api-token-create": STAFF,
    "clinic:api-token-revoke": STAFF,
}
POST_ONLY = {"clinic:api-token-create", "clinic:api-token-revoke"}
