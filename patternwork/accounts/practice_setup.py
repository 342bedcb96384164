"""Let the apps that keep per-practice settings give a new practice its starting set.

A practice's default pattern categories belong to `formulation`, which sits above
`accounts`: accounts may not import it. `create_practice` calls `practice_created`
inside its own transaction, and each app registers its set-up once, at start-up, from
its AppConfig.ready(). A practice therefore never exists without its defaults, and no
page view has to create them on a first visit.
"""

from __future__ import annotations

from collections.abc import Callable

from patternwork.accounts.models import Practice

Listener = Callable[[Practice], object]
_listeners: list[Listener] = []


def on_practice_created(listener: Listener) -> Listener:
    """Register `listener(practice)` to run inside the write that creates a practice."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def practice_created(practice: Practice) -> None:
    """Run every registered listener for this new practice, in registration order."""
    for listener in _listeners:
        listener(practice)
