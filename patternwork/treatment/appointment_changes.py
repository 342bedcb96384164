"""Tell the apps that act on appointments (the reminder outbox) that a course's booked
appointments have changed.

`messaging` sits above `treatment`, so treatment may not import it. Every treatment write
that books, moves, cancels or otherwise changes a booked appointment calls
`appointments_changed(course)` inside its own transaction; messaging registers its reminder
sync once, from its AppConfig.ready(). A rolled-back booking therefore leaves no reminder
behind, and a committed move never leaves the old reminder queued.

Inside a `course_changes.batched()` block (a use case that books several appointments
of a course in one transaction, such as a caseload import), each listener runs once per
course at the end of the block, still inside the transaction: a listener recomputes from
the stored appointments, so its last run alone gives the same result.
"""

from __future__ import annotations

from collections.abc import Callable

from patternwork.treatment.course_changes import run_once
from patternwork.treatment.models import Course

Listener = Callable[[Course], object]
_listeners: list[Listener] = []


def on_appointments_changed(listener: Listener) -> Listener:
    """Register `listener(course)` to run inside every write that changes booked appointments."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def appointments_changed(course: Course) -> None:
    """Run every registered listener for this course, in registration order (deferred to
    the end of an enclosing `course_changes.batched()` block)."""
    for listener in _listeners:
        run_once(listener, course)
