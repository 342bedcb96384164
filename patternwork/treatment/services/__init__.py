"""Writes to courses, appointments, notes and calendar feeds.

Every write runs in one transaction that also writes its audit event.
"""

from patternwork.treatment.services.appointments import (
    add_replacement,
    book_assessment,
    book_session,
    cancel_appointment,
    mark_attended,
    mark_did_not_attend,
    move_appointment,
    record_past_session,
)
from patternwork.treatment.services.calendar import create_feed, revoke_feed, touch_feed
from patternwork.treatment.services.courses import (
    change_plan,
    end_course,
    start_course,
    start_course_in_progress,
)
from patternwork.treatment.services.erasure import erase_client_rows
from patternwork.treatment.services.notes import amend_note, save_note, sign_note

__all__ = [
    "add_replacement",
    "amend_note",
    "book_assessment",
    "book_session",
    "cancel_appointment",
    "change_plan",
    "create_feed",
    "end_course",
    "erase_client_rows",
    "mark_attended",
    "mark_did_not_attend",
    "move_appointment",
    "record_past_session",
    "revoke_feed",
    "save_note",
    "sign_note",
    "start_course",
    "start_course_in_progress",
    "touch_feed",
]
