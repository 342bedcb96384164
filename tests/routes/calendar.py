from tests.routes import CASELOAD, PUBLIC_TOKEN, STAFF

ROUTES = {
    "api:calendar-feed": PUBLIC_TOKEN,
    "clinic:calendar-feed": STAFF,
    "clinic:calendar-feed-create": STAFF,
    "clinic:calendar-feed-revoke": STAFF,
    "clinic:client-calendar": CASELOAD,
}
OBJECT_ROUTES = {"clinic:client-calendar": "client"}
POST_ONLY = {"clinic:calendar-feed-create", "clinic:calendar-feed-revoke"}
