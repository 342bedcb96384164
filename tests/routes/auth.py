from tests.routes import PASSWORD_STAGE, PUBLIC, STAFF

ROUTES = {
    "healthz": PUBLIC,
    "clinic:login": PUBLIC,
    "clinic:logout": PUBLIC,
    "clinic:invitation-accept": PUBLIC,
    "clinic:password-reset": PUBLIC,
    "clinic:password-reset-sent": PUBLIC,
    "clinic:password-reset-confirm": PUBLIC,
    "clinic:password-reset-complete": PUBLIC,
    "clinic:otp-verify": PASSWORD_STAGE,
    "clinic:otp-setup": PASSWORD_STAGE,
    "clinic:home": STAFF,
    "clinic:password-change": STAFF,
    "clinic:profile": STAFF,
}
POST_ONLY = {"clinic:logout"}
LIST_CONTENTS = {"clinic:home": [("", "course")]}
