"""The default permission of every API view (settings: DEFAULT_PERMISSION_CLASSES)."""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from patternwork.accounts.models import ApiToken

READ_ONLY = "This token may only read. Create a read-write token to make changes."


class TokenScope(BasePermission):
    """A verified staff member, through a token or a session; a read-only token may use
    only GET, HEAD and OPTIONS (403 on every other method).

    What the member may see and change beyond that is their role's and practice's,
    applied by `accounts.access` and the services, as on the pages.
    """

    message = READ_ONLY

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if getattr(request._request, "membership", None) is None:
            return False
        token = request.auth if isinstance(request.auth, ApiToken) else None
        return token is None or token.can_write or request.method in SAFE_METHODS
