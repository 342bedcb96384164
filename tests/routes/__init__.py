"""The route inventory: every URL name, classified by who may reach it.

A new route without an entry fails `test_every_route_is_classified`, so access rules
are decided when a route is added, not discovered later.
"""

import importlib
import pkgutil

from django.urls import URLPattern, URLResolver, get_resolver

PUBLIC = "public"  # anyone, logged in or not
PASSWORD_STAGE = "password-stage"  # logged in with a password, second factor pending
STAFF = "staff"  # any verified member of a practice
ADMIN = "admin"  # verified admin of the practice
CASELOAD = "caseload"  # verified staff, and the object must be in their clients' scope
# Verified staff: unassigned referrals for the practice's triage only (admins, and its
# clinicians where it makes them triage); accepted ones for those who may see the client.
REFERRALS = "referrals"
OPERATOR = "operator"  # verified staff whose account is the instance's operator
PUBLIC_TOKEN = "public-token"  # anyone holding the secret in the URL (calendar feeds)
CLIENT = "client"  # a logged-in client in the portal, and only their own objects
# Only the treating therapist and their supervisor; anyone else, signed in or not, gets
# a 404 (a session recording's audio: an audio element cannot follow a login redirect).
LISTENER = "listener"


def _collect():
    """Merge the tables of every area module in this package."""
    routes, objects, post_only, lists = {}, {}, set(), {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for name in getattr(module, "ROUTES", {}):
            if name in routes:
                raise AssertionError(f"{name} is classified twice")
        routes.update(getattr(module, "ROUTES", {}))
        objects.update(getattr(module, "OBJECT_ROUTES", {}))
        post_only |= set(getattr(module, "POST_ONLY", set()))
        lists.update(getattr(module, "LIST_CONTENTS", {}))
    return routes, objects, post_only, lists


# ROUTES: name -> who may reach it. OBJECT_ROUTES: name -> kind of object its public id
# names (see tests/objects.py). POST_ONLY: routes that only accept POST. LIST_CONTENTS:
# list pages -> the (query string, kind of row) views of them that list a client's rows
# (see tests/objects.py LIST_ROWS); a member must see no row outside their scope there.
ROUTES, OBJECT_ROUTES, POST_ONLY, LIST_CONTENTS = _collect()


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
