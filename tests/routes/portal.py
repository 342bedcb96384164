from tests.routes import PUBLIC

ROUTES = {
    "portal:self-referral": PUBLIC,
    "portal:self-referral-sent": PUBLIC,
}
