"""Tell the apps that keep data derived from a course that the course has changed.

The outcome summary (first and last scores, attendance, dates) belongs to `measures`,
which sits above `treatment`: treatment may not import it. Each treatment write that
changes what such data depends on (attendance, a move, the start or the end of a
course, a change of therapist) calls `course_changed` inside its own transaction, and
the app that keeps the derived data registers its refresh once, at start-up, from its
AppConfig.ready(). The refresh therefore still commits or rolls back with the write.

A use case that makes several such writes in one transaction (attendance, then the
session's questionnaires) wraps them in `batched()`: each listener then runs once per
course at the end of the block, still inside the transaction, instead of after every
write. Rerunning a refresh that recomputes from the raw rows changes nothing, so the
last run alone gives the same result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from patternwork.treatment.models import Course

Listener = Callable[[Course], object]
_listeners: list[Listener] = []
# Per thread and per task, so two requests served by one process never share a batch.
_pending: ContextVar[dict[tuple[Listener, int], tuple[Listener, Course]] | None] = ContextVar(
    "patternwork_course_changes_pending", default=None
)


def on_course_changed(listener: Listener) -> Listener:
    """Register `listener(course)` to run inside every write that changes a course."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def course_changed(course: Course) -> None:
    """Run every registered listener for this course, in registration order."""
    for listener in _listeners:
        run_once(listener, course)


def run_once(listener: Listener, course: Course, *, covers: Listener | None = None) -> None:
    """Run `listener(course)` now, or once at the end of the enclosing `batched()` block.

    `covers`: a listener whose work `listener` does too (a refresh that also does more);
    a run of it pending for this course in the block is dropped.
    """
    pending = _pending.get()
    if pending is None:
        listener(course)
    else:
        if covers is not None:
            pending.pop((covers, course.pk), None)
        # Re-adding moves the pair to the end: the block's last write decides the order.
        pending.pop((listener, course.pk), None)
        pending[(listener, course.pk)] = (listener, course)


@contextmanager
def batched() -> Iterator[None]:
    """Defer the listeners of the writes in this block to its end, once per course.

    Call it inside the transaction that holds the writes, so the deferred listeners run
    in it too; when the block raises, nothing deferred runs (the transaction rolls back).
    A nested block joins the outer one.
    """
    if _pending.get() is not None:
        yield
        return
    pending: dict[tuple[Listener, int], tuple[Listener, Course]] = {}
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
    for listener, course in pending.values():
        listener(course)
