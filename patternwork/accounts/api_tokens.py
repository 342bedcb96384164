"""Personal API tokens: created by a staff member with two-factor authentication, shown
once, stored only as a hash, revoked at will. Creating, using and revoking are audited.

A token reads `pwt_<prefix>_<secret>`. The prefix is public: it finds the row, and the
SHA-256 of the whole token is compared with the stored hash in constant time. The secret
has 256 bits, so a fast hash is enough (a slow password hash protects guessable secrets).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import string
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from patternwork.accounts.models import ApiToken, Membership
from patternwork.accounts.passkeys import has_second_factor
from patternwork.audit.services import record

TOKEN_PREFIX = "pwt_"  # noqa: S105  (the format's tag, not a secret)
PREFIX_LENGTH = 12
MAX_DAYS = 365
DEFAULT_DAYS = 90
# How often a token's use is noted and audited. Every read of clinical content and every
# write a token makes is audited on its own, under the owner, by the code that does it;
# this event says that the token was in use, without a row per request.
LAST_USED_EVERY = timedelta(minutes=1)
USE_AUDITED_EVERY = timedelta(hours=1)

_FORMAT = re.compile(rf"^{TOKEN_PREFIX}([a-z0-9]{{{PREFIX_LENGTH}}})_([A-Za-z0-9_-]{{43}})$")
_ALPHABET = string.ascii_lowercase + string.digits

NEEDS_TWO_FACTOR = (
    "Set up two-factor authentication before creating an API token: a token carries your "
    "access, so it needs the same protection as your login."
)
BAD_DAYS = f"A token expires after 1 to {MAX_DAYS} days."
NEEDS_NAME = "Give the token a name that says where it is used."
INACTIVE_MEMBER = "This membership is not active."
ALREADY_REVOKED = "This token is already revoked."


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _new_secret() -> tuple[str, str]:
    prefix = "".join(secrets.choice(_ALPHABET) for _ in range(PREFIX_LENGTH))
    return prefix, f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"


def create_api_token(
    *,
    membership: Membership,
    name: str,
    scope: str,
    days: int,
    by_command: bool = False,
) -> tuple[ApiToken, str]:
    """Create a token for the member and return it with its secret (shown once, never
    stored). Refused without a confirmed second factor. Audits `api_token.create`;
    `by_command` marks one made with `manage.py create_api_token`."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": NEEDS_NAME})
    if scope not in ApiToken.Scope.values:
        raise ValidationError({"scope": "Choose read or read-write."})
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError({"days": BAD_DAYS})
    if not (membership.is_active and membership.user.is_active):
        raise ValidationError(INACTIVE_MEMBER)
    if not has_second_factor(membership.user):
        raise ValidationError(NEEDS_TWO_FACTOR, code="two_factor")
    prefix, raw = _new_secret()
    now = timezone.now()
    with transaction.atomic():
        token = ApiToken(
            membership=membership,
            name=name[:100],
            scope=scope,
            prefix=prefix,
            token_hash=hash_token(raw),
            expires_at=now + timedelta(days=days),
        )
        token.save()
        record(
            action="api_token.create",
            actor=membership.user,
            actor_role=membership.role,
            actor_label="manage.py create_api_token" if by_command else "",
            practice=membership.practice,
            obj=token,
            changes={
                "name": token.name,
                "scope": scope,
                "expires_at": token.expires_at.isoformat(),
                "prefix": prefix,
            },
        )
    return token, raw


def revoke_api_token(*, token: ApiToken, by: Membership) -> ApiToken:
    """Revoke one of the member's own tokens: it stops working at once. Audits
    `api_token.revoke`."""
    with transaction.atomic():
        stored = ApiToken.objects.select_for_update().get(pk=token.pk, membership=by)
        if stored.revoked_at is not None:
            raise ValidationError(ALREADY_REVOKED)
        stored.revoked_at = timezone.now()
        stored.save(update_fields=["revoked_at", "updated_at"])
        record(
            action="api_token.revoke",
            actor=by.user,
            actor_role=by.role,
            practice=by.practice,
            obj=stored,
            changes={"prefix": stored.prefix},
        )
    return stored


def record_token_use(token: ApiToken, *, now: datetime | None = None) -> None:
    """Note when the token was last used (to the minute) and audit `api_token.use` at
    most once an hour, so a busy integration neither rewrites its row on every request
    nor floods the audit log, while the log still shows when each token was in use."""
    now = now or timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_EVERY:
        return
    audit = token.use_audited_at is None or now - token.use_audited_at >= USE_AUDITED_EVERY
    with transaction.atomic():
        fields = {"last_used_at": now}
        if audit:
            fields["use_audited_at"] = now
        ApiToken.objects.filter(pk=token.pk).update(**fields)
        if audit:
            membership = token.membership
            record(
                action="api_token.use",
                actor=membership.user,
                actor_role=membership.role,
                practice=membership.practice,
                obj=token,
                changes={"prefix": token.prefix},
            )
    token.last_used_at = now
    if audit:
        token.use_audited_at = now


@dataclass(frozen=True)
class TokenCheck:
    """What a presented token turned out to be: `token` when it may be used, else why not."""

    token: ApiToken | None
    problem: str = ""


UNKNOWN = "The token is not valid."
REVOKED = "The token has been revoked."
EXPIRED = "The token has expired."
OWNER_INACTIVE = "The token's owner no longer has access."


def check_token(raw: str, *, now: datetime | None = None) -> TokenCheck:
    """Find the live token for a presented secret.

    Revoked and expired are named only to a caller who holds the right secret; anything
    else is simply not valid.
    """
    match = _FORMAT.match(raw)
    if match is None:
        return TokenCheck(None, UNKNOWN)
    token = (
        ApiToken.objects.filter(prefix=match.group(1))
        .select_related("membership__user", "membership__practice")
        .first()
    )
    if token is None or not hmac.compare_digest(token.token_hash, hash_token(raw)):
        return TokenCheck(None, UNKNOWN)
    now = now or timezone.now()
    if token.revoked_at is not None:
        return TokenCheck(None, REVOKED)
    if token.expires_at <= now:
        return TokenCheck(None, EXPIRED)
    membership = token.membership
    if not (membership.is_active and membership.user.is_active):
        return TokenCheck(None, OWNER_INACTIVE)
    return TokenCheck(token)


def tokens_of(membership: Membership) -> QuerySet[ApiToken]:
    """The member's own tokens, newest first, revoked and expired ones included."""
    return ApiToken.objects.filter(membership=membership).order_by("-created_at", "-id")
