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


class _Moments:
    """Moments shown as the caseload's `date` filters showed them, in the current time zone.

    "D j M, H:i" for this week and the next appointment, "H:i" for today. The day's part
    goes through Django's formatter (translated day and month names) once per day, not
    once per row; hours and minutes are two digits each, as the formatter writes them.
    """

    def __init__(self) -> None:
        self.days: dict = {}

    def time(self, moment) -> str:
        local = timezone.localtime(moment)
        return f"{local.hour:02d}:{local.minute:02d}"

    def day_and_time(self, moment) -> str:
        local = timezone.localtime(moment)
        day = local.date()
        text = self.days.get(day)
        if text is None:
            text = self.days[day] = dateformat.format(day, "D j M")
        return f"{text}, {local.hour:02d}:{local.minute:02d}"


def course_rows(rows: Iterable[CaseloadRow], off_track_ids: set[int]) -> list[dict]:
    """One dict per open course: the caseload's table of clients."""
    prefix = path_prefix("clinic:course-detail")
    moments = _Moments()
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
                "next": moments.day_and_time(row.next_start) if row.next_start else "",
                "off_track": course.pk in off_track_ids,
                "overdue": [milestone.overdue_label for milestone in row.overdue],
            }
        )
    return found


def appointment_rows(appointments: Iterable[UpcomingAppointment], *, today: bool) -> list[dict]:
    """One dict per appointment of today (shown at its time) or this week (day and time)."""
    moments = _Moments()
    when = moments.time if today else moments.day_and_time
    prefix = path_prefix("clinic:appointment-detail")
    labels = {status: str(label) for status, label in Appointment.Status.choices}
    return [
        {
            "href": f"{prefix}{appointment.public_id}/",
            "when": when(appointment.starts_at),
            "name": appointment.client.display_name,
            "number": appointment.client.client_number,
            "therapist": appointment.therapist_name,
            "status": appointment.status,
            "status_label": labels.get(appointment.status, appointment.status),
        }
        for appointment in appointments
    ]
