"""One-time links to set a password: staff invitations (72 hours).

The token is signed and time-stamped, and bound to the account's current password
hash and last login, so it stops working the moment it has been used.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core import signing

from patternwork.accounts.models import User

INVITATION_SALT = "patternwork.accounts.invitation"


class InvalidToken(Exception):
    pass


def _state(user: User) -> str:
    last_login = user.last_login.isoformat() if user.last_login else ""
    return hashlib.sha256(f"{user.password}|{last_login}|{user.email}".encode()).hexdigest()[:20]


def make_invitation_token(user: User) -> str:
    return signing.dumps({"u": str(user.public_id), "s": _state(user)}, salt=INVITATION_SALT)


def user_for_invitation_token(token: str) -> User:
    """The invited user, or InvalidToken if the link is forged, expired or already used."""
    max_age = settings.STAFF_INVITATION_TIMEOUT.total_seconds()
    try:
        payload = signing.loads(token, salt=INVITATION_SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise InvalidToken("expired") from None
    except signing.BadSignature:
        raise InvalidToken("invalid") from None
    user = User.objects.filter(public_id=payload.get("u"), is_active=True).first()
    if user is None or payload.get("s") != _state(user):
        raise InvalidToken("used")
    return user
