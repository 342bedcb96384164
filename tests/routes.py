"""The route inventory: every URL name, classified by who may reach it.

A new route without an entry fails `test_every_route_is_classified`, so access rules
are decided when a route is added, not discovered later.
"""

from django.urls import URLPattern, URLResolver, get_resolver

PUBLIC = "public"  # anyone, logged in or not
PASSWORD_STAGE = "password-stage"  # logged in with a password, second factor pending
STAFF = "staff"  # any verified member of a practice
ADMIN = "admin"  # verified admin of the practice

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
    "clinic:practice-settings": ADMIN,
    "clinic:staff-list": ADMIN,
    "clinic:staff-invite": ADMIN,
    "clinic:staff-detail": ADMIN,
    "clinic:staff-role": ADMIN,
    "clinic:staff-supervisees": ADMIN,
    "clinic:staff-deactivate": ADMIN,
    "clinic:staff-reactivate": ADMIN,
    "clinic:audit-log": ADMIN,
}

# Routes that take the public id of an object, and the kind of object it is.
OBJECT_ROUTES = {
    "clinic:staff-detail": "membership",
    "clinic:staff-role": "membership",
    "clinic:staff-supervisees": "membership",
    "clinic:staff-deactivate": "membership",
    "clinic:staff-reactivate": "membership",
}

POST_ONLY = {
    "clinic:logout",
    "clinic:staff-role",
    "clinic:staff-supervisees",
    "clinic:staff-deactivate",
    "clinic:staff-reactivate",
}


def all_route_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(namespace + pattern.name)

    walk(get_resolver().url_patterns, "")
    return names


def unnamed_routes() -> list[str]:
    found = []

    def walk(patterns, prefix):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif not pattern.name:
                found.append(prefix + str(pattern.pattern))

    walk(get_resolver().url_patterns, "")
    return found


def names(kind: str) -> list[str]:
    return sorted(name for name, access in ROUTES.items() if access == kind)
