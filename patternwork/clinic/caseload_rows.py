"""The caseload's tables as plain dicts, ready for the template.

A caseload may hold fifty courses and as many appointments this week. Each row is one
dict with its strings already made (link, labels, dates), so the template does one
lookup per cell: no `{% url %}`, no filter and no translation per row, and no attribute
chains through model-like objects (a dict lookup is the template engine's fast path).
The strings are the ones the template tags would have made: dates through Django's
own formatter in the current time zone, labels through the same translations. The
template still escapes every value.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import dateformat, timezone

from patternwork.clinic.links import path_prefix
from patternwork.clinic.templatetags.clinic import PHASE_LABELS
from patternwork.reports.caseload import CaseloadRow, UpcomingAppointment
from patternwork.treatment.models import Appointment, Course

# The formats the caseload showed through the `date` filter.
WEEK_FORMAT = "D j M, H:i"
TODAY_FORMAT = "H:i"


def _local(moment, pattern: str) -> str:
    return dateformat.format(timezone.localtime(moment), pattern)


def course_rows(rows: Iterable[CaseloadRow], off_track_ids: set[int]) -> list[dict]:
    """One dict per open course: the caseload's table of clients."""
    prefix = path_prefix("clinic:course-detail")
    phases = {key: str(label) for key, label in PHASE_LABELS.items()}
    found = []
    for row in rows:
        course = row.course
        active = course.state == Course.State.ACTIVE
        found.append(
            {
                "href": f"{prefix}{course.public_id}/",
                "name": row.client.display_name,
                "number": row.client.client_number,
                "therapist": course.therapist_name,
                "active": active,
                "attended": row.attended,
                "planned": course.planned_sessions,
                "state": "" if active else course.state_label,
                "phase": phases.get(row.phase, "") if active else "",
                "next": _local(row.next_start, WEEK_FORMAT) if row.next_start else "",
                "off_track": course.pk in off_track_ids,
                "overdue": [milestone.overdue_label for milestone in row.overdue],
            }
        )
    return found


def appointment_rows(appointments: Iterable[UpcomingAppointment], pattern: str) -> list[dict]:
    """One dict per appointment of today or this week, its time shown as `pattern`."""
    prefix = path_prefix("clinic:appointment-detail")
    labels = {status: str(label) for status, label in Appointment.Status.choices}
    return [
        {
            "href": f"{prefix}{appointment.public_id}/",
            "when": _local(appointment.starts_at, pattern),
            "name": appointment.client.display_name,
            "number": appointment.client.client_number,
            "therapist": appointment.therapist_name,
            "status": appointment.status,
            "status_label": labels.get(appointment.status, appointment.status),
        }
        for appointment in appointments
    ]
