"""Which practice an account's events concern, for the audit log.

A staff account belongs to its practices through memberships (accounts knows those);
a client's login belongs to the practice of its client record, which lives higher up, in
clients. That app registers a resolver here from its AppConfig.ready(), so accounts
attributes a client's events without importing it. An account with neither (an unknown
email address, a login with no practice yet) has none: its events are instance-level,
for the operator's instance audit page.
"""

from __future__ import annotations

from collections.abc import Callable

from patternwork.accounts.models import Membership, Practice, User, normalise_email

_resolvers: list[Callable[[User], Practice | None]] = []


def register(resolver: Callable[[User], Practice | None]) -> None:
    if resolver not in _resolvers:
        _resolvers.append(resolver)


def practice_of(
    user: User | None, *, memberships: list[Membership] | None = None
) -> Practice | None:
    """The practice the account's events concern: its first active membership's (else
    its first membership's), else its client record's; None when it has none.

    `memberships`: all of the account's memberships with their practices, where the
    caller has them already (a request's, which MembershipMiddleware reads), so that they
    are not read again.
    """
    if user is None or user.pk is None:
        return None
    if memberships is None:
        first = (
            Membership.objects.filter(user=user)
            .select_related("practice")
            .order_by("-is_active", "pk")
            .first()
        )
    else:
        first = min(memberships, key=lambda m: (not m.is_active, m.pk), default=None)
    if first is not None:
        return first.practice
    for resolver in _resolvers:
        practice = resolver(user)
        if practice is not None:
            return practice
    return None


def practice_of_email(email: str) -> Practice | None:
    """Like practice_of, for the account an email address names (None when none does)."""
    user = User.objects.filter(email=normalise_email(email)).first()
    return practice_of(user)
