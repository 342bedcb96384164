"""The portal home's lists, written once in Python: the client's next appointments and
the questionnaires due before the next one.

In the template each appointment formatted two dates through lazy names, looked up a
dozen variables and ran three `{% blocktranslate %}`s: a list of a dozen appointments
was most of the page's rendering. Here the sentences are translated once for the list,
the day and month names once per language (`core.dates`), and each appointment's
values put in their places, escaped as the template escaped them. The markup is the
template's own, compared with it in tests/portal/test_portal_home.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from django.utils import formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, gettext_noop

from patternwork.core.dates import date_names, hour_minute
from patternwork.core.escaping import conditional_escape
from patternwork.measures.presession import DueQuestionnaire, Progress
from patternwork.treatment.models import Appointment

# The columns `UpcomingAppointment` holds, in its order.
COLUMNS = ("kind", "starts_at", "ends_at", "therapist__user__full_name")


class UpcomingAppointment(NamedTuple):
    """An appointment the list shows, read as values: no model, course or user row."""

    kind: str
    starts_at: datetime
    ends_at: datetime
    therapist_name: str

    @property
    def duration_minutes(self) -> int:
        # The appointment's own rule, on the values read.
        return Appointment.duration_minutes.fget(self)


def appointment_list(appointments: Iterable[UpcomingAppointment]) -> SafeString:
    """Each appointment's `<li>` with the whitespace around it, as the template's loop
    wrote it: its day, its time and length, its kind and its therapist."""
    zone = timezone.get_current_timezone()
    names = date_names()
    # The `{% blocktranslate %}` sentences, their msgids as the tag makes them.
    at_time = gettext("at %(time)s, for %(minutes)s minutes")
    with_name = gettext("with %(name)s")
    # `{% translate %}` of a literal: the translation as it is, not escaped.
    assessment = gettext("Assessment")
    session = gettext("Therapy session")
    minutes_text: dict[int, str] = {}
    html = []
    for appointment in appointments:
        local = appointment.starts_at.astimezone(zone)
        # `date:"l j F Y"`, then escaped as a variable is.
        day = conditional_escape(f"{names.long_day(local)} {local.year:04d}")
        minutes = appointment.duration_minutes
        # A number in a `{% blocktranslate %}` is localised, then escaped.
        text = minutes_text.get(minutes)
        if text is None:
            text = minutes_text[minutes] = conditional_escape(formats.localize(minutes))
        # `time:"H:i"` writes two digits each side of a colon: nothing to escape.
        when = at_time % {"time": hour_minute(local), "minutes": text}
        kind = assessment if appointment.kind == Appointment.Kind.ASSESSMENT else session
        who = with_name % {"name": conditional_escape(appointment.therapist_name)}
        html.append(
            f"\n          <li>\n            <strong>{day}</strong>\n            {when}\n"
            f'            <span class="muted">\N{MIDDLE DOT} {kind} {who}</span>\n'
            "          </li>\n        "
        )
    return mark_safe("".join(html))  # noqa: S308 - every value above is escaped


# Each progress's tag and the whitespace the template's `{% if %}` branch kept after it.
_PROGRESS_TAGS = {
    Progress.SENT: (
        '<span class="tag tag--ok">',
        gettext_noop("sent, thank you"),
        "</span>\n            ",
    ),
    Progress.DRAFT: (
        '<span class="tag tag--warn">',
        gettext_noop("started, not sent yet"),
        "</span>\n            ",
    ),
}
_TO_DO = ('<span class="tag">', gettext_noop("to do"), "</span>")


def due_list(due: Iterable[DueQuestionnaire]) -> SafeString:
    """Each questionnaire's `<li>` (its title and how far the client has got) with the
    whitespace around it, as the template's loop wrote it."""
    tags: dict[str, str] = {}
    html = []
    for questionnaire in due:
        progress = questionnaire.progress
        tag = tags.get(progress)
        if tag is None:
            opening, msgid, closing = _PROGRESS_TAGS.get(progress, _TO_DO)
            # `{% translate %}` of a literal: the translation as it is, not escaped.
            tag = tags[progress] = f"{opening}{gettext(msgid)}{closing}"
        html.append(
            f"\n          <li>{conditional_escape(questionnaire.instrument.title)}:\n"
            f"            {tag}\n          </li>\n        "
        )
    return mark_safe("".join(html))  # noqa: S308 - the title is escaped, the rest fixed
