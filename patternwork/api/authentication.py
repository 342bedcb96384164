"""Who is calling the API: a personal token (`Authorization: Bearer <token>`), or a
staff member's browser session (the interactive docs).

Either way the request then carries the member's `Membership` as `request.membership`,
so the access rules (`accounts.access`) treat it exactly as the pages treat that member.
"""

from __future__ import annotations

from rest_framework import authentication, exceptions

from patternwork.accounts.api_tokens import check_token, record_token_use


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """A personal API token acts as its owner's membership, with the owner's role and
    practice scope, and never more. Unknown, revoked and expired tokens get 401."""

    keyword = b"bearer"

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Send the header as `Bearer <token>`.")
        try:
            raw = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("The token is not valid.") from None
        found = check_token(raw)
        if found.token is None:
            raise exceptions.AuthenticationFailed(found.problem)
        token = found.token
        record_token_use(token)
        request._request.membership = token.membership
        return token.membership.user, token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class VerifiedSessionAuthentication(authentication.SessionAuthentication):
    """A staff session, for the browser docs: logged in with both factors and an active
    member. CSRF applies to every unsafe method, as on the pages."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user, _ = result
        verified = getattr(user, "is_verified", lambda: False)()
        if not verified or getattr(request._request, "membership", None) is None:
            return None
        return result
