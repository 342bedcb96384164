"""Tell the apps that act on a shared journal entry (the note to the therapist) that it was shared.

`messaging` sits above `formulation`, so formulation may not import it. `share_entry` calls
`entry_shared(entry)` inside its transaction; messaging registers its note from
MessagingConfig.ready(), so the note is queued only if the share commits.
"""

from __future__ import annotations

from collections.abc import Callable

from patternwork.formulation.models import JournalEntry

Listener = Callable[[JournalEntry], object]
_listeners: list[Listener] = []


def on_entry_shared(listener: Listener) -> Listener:
    """Register `listener(entry)` to run inside every share of a journal entry."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def entry_shared(entry: JournalEntry) -> None:
    for listener in _listeners:
        listener(entry)
