from tests.routes import PUBLIC

ROUTES = {
    "portal:directory": PUBLIC,
    "portal:practice-page": PUBLIC,
    "portal:self-referral": PUBLIC,
    "portal:self-referral-sent": PUBLIC,
}
