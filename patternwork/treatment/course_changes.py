"""Tell the apps that keep data derived from a course that the course has changed.

The outcome summary (first and last scores, attendance, dates) belongs to `measures`,
which sits above `treatment`: treatment may not import it. Each treatment write that
changes what such data depends on (attendance, a move, the start or the end of a
course, a change of therapist) calls `course_changed` inside its own transaction, and
the app that keeps the derived data registers its refresh once, at start-up, from its
AppConfig.ready(). The refresh therefore still commits or rolls back with the write.
"""

from __future__ import annotations

from collections.abc import Callable

from patternwork.treatment.models import Course

Listener = Callable[[Course], object]
_listeners: list[Listener] = []


def on_course_changed(listener: Listener) -> Listener:
    """Register `listener(course)` to run inside every write that changes a course."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def course_changed(course: Course) -> None:
    """Run every registered listener for this course, in registration order."""
    for listener in _listeners:
        listener(course)
