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
    "clinic:passkey-verify": PASSWORD_STAGE,
    "clinic:passkey-login-options": PASSWORD_STAGE,
    # Open at the password stage only to a login with no second factor yet (its first).
    "clinic:passkeys": PASSWORD_STAGE,
    "clinic:passkey-add-options": PASSWORD_STAGE,
    "clinic:passkey-add": PASSWORD_STAGE,
    "clinic:passkey-remove": STAFF,
    "clinic:home": STAFF,
    "clinic:password-change": STAFF,
    "clinic:profile": STAFF,
}
POST_ONLY = {
    "clinic:logout",
    "clinic:passkey-login-options",
    "clinic:passkey-add-options",
    "clinic:passkey-add",
    "clinic:passkey-remove",
}
LIST_CONTENTS = {"clinic:home": [("", "course")]}
