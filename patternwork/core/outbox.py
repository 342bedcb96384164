"""Ask for an email to go out by itself, from any app.

The outbox and its worker belong to `messaging`, which sits above every domain app; the
apps below it (accounts' staff invitations, clients' portal invitations) ask for a message
here, and messaging registers the one handler from MessagingConfig.ready(). The request
joins the caller's transaction: a rolled-back invitation queues nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured

_handlers: list[Callable[..., Any]] = []


def on_queue(handler: Callable[..., Any]) -> Callable[..., Any]:
    if handler not in _handlers:
        _handlers.append(handler)
    return handler


def queue(
    *,
    kind: str,
    about: Any,
    key: str,
    recipient_role: str,
    recipient_user: Any = None,
    recipient_client: Any = None,
    soon: bool = False,
) -> None:
    """Queue message `kind` about the model instance `about`, due now.

    `key` makes it unique (a second request with the same key queues nothing). `soon`
    hands it to the task queue as soon as the transaction commits, rather than at the
    worker's next round, for messages a person is waiting for (an invitation).
    """
    if not _handlers:
        raise ImproperlyConfigured("No outbox is installed (patternwork.messaging).")
    for handler in _handlers:
        handler(
            kind=kind,
            about=about,
            key=key,
            recipient_role=recipient_role,
            recipient_user=recipient_user,
            recipient_client=recipient_client,
            soon=soon,
        )
