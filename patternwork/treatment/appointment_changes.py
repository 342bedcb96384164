"""Tell the apps that act on appointments (the reminder outbox) that a course's booked
appointments have changed.

`messaging` sits above `treatment`, so treatment may not import it. Every treatment write
that books, moves, cancels or otherwise changes a booked appointment calls
`appointments_changed(course)` inside its own transaction; messaging registers its reminder
sync once, from its AppConfig.ready(). A rolled-back booking therefore leaves no reminder
behind, and a committed move never leaves the old reminder queued.
"""

from __future__ import annotations

from collections.abc import Callable

from patternwork.treatment.models import Course

Listener = Callable[[Course], object]
_listeners: list[Listener] = []


def on_appointments_changed(listener: Listener) -> Listener:
    """Register `listener(course)` to run inside every write that changes booked appointments."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def appointments_changed(course: Course) -> None:
    """Run every registered listener for this course, in registration order."""
    for listener in _listeners:
        listener(course)
