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

from collections.abc import Callable, Iterable

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext_noop, ngettext
from django.utils.translation import gettext as _

from patternwork.clinic.links import path_prefix
from patternwork.clinic.templatetags.clinic import phase_label
from patternwork.clinic.templatetags.course_tables import (
    choice_label,
    choice_labels,
    day_and_month_names,
    day_month_year,
    translated_words,
    truncated,
)
from patternwork.core.dates import hour_minute
from patternwork.core.escaping import conditional_escape
from patternwork.core.navigation import cached_reverse
from patternwork.reports.caseload import CaseloadRow, UpcomingAppointment
from patternwork.treatment.models import Appointment, Course


class _Moments:
    """Moments shown as the caseload's `date` filters showed them, in the current time zone.

    "D j M, H:i" for this week and the next appointment, "H:i" for today. The time zone is
    looked up once for the table, and the day's names are the formatter's own, translated
    once per language (`course_tables.day_and_month_names`); hours and minutes are two
    digits each, as the formatter writes them.
    """

    def __init__(self) -> None:
        self.zone = timezone.get_current_timezone()
        self.days, self.months = day_and_month_names(get_language())

    def time(self, moment) -> str:
        return hour_minute(moment.astimezone(self.zone))

    def day_and_time(self, moment) -> str:
        local = moment.astimezone(self.zone)
        return (
            f"{self.days[local.weekday()]} {local.day} {self.months[local.month]}, "
            f"{hour_minute(local)}"
        )


class _Once(dict):
    """`once[value]` is `make(value)`, made on first use and kept for one table: for the
    values a table repeats (a phase's label, an escaped label or therapist's name)."""

    def __init__(self, make: Callable[[str], str]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, value: str) -> str:
        found = self[value] = self.make(value)
        return found


def course_rows(rows: Iterable[CaseloadRow], off_track_ids: set[int]) -> list[dict]:
    """One dict per open course: the caseload's table of clients."""
    prefix = path_prefix("clinic:course-detail")
    moments = _Moments()
    phases = _Once(phase_label)
    # Rows with the same facts share one tuple of milestones (`reports.caseload`), and so
    # one list of their labels.
    overdue_of: dict[int, list[str]] = {}
    found = []
    for row in rows:
        course = row.course
        active = course.state == Course.State.ACTIVE
        overdue = overdue_of.get(id(row.overdue))
        if overdue is None:
            overdue = overdue_of[id(row.overdue)] = [m.overdue_label for m in row.overdue]
        # The public id as text, made once for the link here and the table's.
        public_id = str(course.public_id)
        found.append(
            {
                "public_id": public_id,
                "href": f"{prefix}{public_id}/",
                "name": row.client.display_name,
                "number": row.client.client_number,
                "therapist": course.therapist_name,
                "active": active,
                "attended": row.attended,
                "planned": course.planned_sessions,
                "state": "" if active else course.state_label,
                "phase": phases[row.phase] if active else "",
                "next": moments.day_and_time(row.next_start) if row.next_start else "",
                "off_track": course.pk in off_track_ids,
                "overdue": overdue,
            }
        )
    return found


def appointment_rows(appointments: Iterable[UpcomingAppointment], *, today: bool) -> list[dict]:
    """One dict per appointment of today (shown at its time) or this week (day and time)."""
    moments = _Moments()
    when = moments.time if today else moments.day_and_time
    prefix = path_prefix("clinic:appointment-detail")
    labels = choice_labels(Appointment, "status")
    found = []
    for appointment in appointments:
        public_id = str(appointment.public_id)
        found.append(
            {
                "public_id": public_id,
                "href": f"{prefix}{public_id}/",
                "when": when(appointment.starts_at),
                "name": appointment.client.display_name,
                "number": appointment.client.client_number,
                "therapist": appointment.therapist_name,
                "status": appointment.status,
                "status_label": labels.get(appointment.status, appointment.status),
            }
        )
    return found


# The tables' rows written here rather than by the template's loops: a caseload of fifty
# courses cost about a dozen variable look-ups, tests and filters a row. Every value is
# escaped as the template would escape it (`conditional_escape`); the markup is the
# template's own.
_DASH = '<span class="muted">\N{EN DASH}</span>'
# The lists' fixed words, marked for translation here and translated once per language
# (`course_tables.translated_words`).
_COURSE_TABLE_WORDS = (
    gettext_noop("Session"),
    gettext_noop("Phase"),
    gettext_noop("Next appointment"),
    gettext_noop("Overdue"),
    gettext_noop("of"),
    gettext_noop("Not on track"),
)
_NOT_DISCUSSED = gettext_noop("Not yet discussed in supervision.")
_ITEM = gettext_noop("item")
_SUPERVISION_WORDS = (
    gettext_noop("From supervision"),
    gettext_noop("Open actions"),
    gettext_noop("Mark done"),
)


def course_table(rows: list[dict], *, show_therapist: bool) -> SafeString:
    """The `<tr>`s of the caseload's table of clients, from `course_rows`."""
    e = conditional_escape
    escaped = _Once(conditional_escape)
    session, phase, next_label, overdue, of, not_on_track = translated_words(*_COURSE_TABLE_WORDS)
    off_track_tag = f'<span class="tag tag--danger">{not_on_track}</span> '
    # The link is the escaped path and the public id, whose text (hex digits and
    # hyphens) has nothing to escape.
    prefix = e(path_prefix("clinic:course-detail"))
    # Rows with the same milestones share their list of labels (`course_rows`).
    tags_of: dict[int, str] = {}
    html = []
    for row in rows:
        who = e(row["number"])
        if show_therapist:
            who = f"{who} · {escaped[row['therapist']]}"
        if row["active"]:
            progress = f"{row['attended']} {of} {row['planned']}"
        else:
            progress = f'<span class="tag">{escaped[row["state"]]}</span>'
        labels = row["overdue"]
        tags = tags_of.get(id(labels))
        if tags is None:
            tags = tags_of[id(labels)] = "".join(
                f'<span class="tag tag--danger">{escaped[label]}</span> ' for label in labels
            )
        if row["off_track"]:
            tags = off_track_tag + tags
        elif not tags:
            tags = _DASH
        html.append(
            f'<tr>\n<td><a href="{prefix}{row["public_id"]}/">{e(row["name"])}</a> '
            f'<span class="muted">{who}</span></td>\n'
            f'<td data-label="{session}">{progress}</td>\n'
            f'<td data-label="{phase}">{escaped[row["phase"]]}</td>\n'
            f'<td data-label="{next_label}">{e(row["next"]) if row["next"] else _DASH}</td>\n'
            f'<td data-label="{overdue}">{tags}</td>\n</tr>\n'
        )
    return mark_safe("".join(html))  # noqa: S308 - every value above is escaped


def behind_table(rows: Iterable[CaseloadRow]) -> SafeString:
    """The `<tr>`s of oversight's table of courses with overdue milestones, written from
    the caseload's rows themselves (no dict per row, no date this table does not show)."""
    e = conditional_escape
    (of,) = translated_words(_COURSE_TABLE_WORDS[4])
    # A link is the escaped path before the id, then the id (hex digits and hyphens).
    prefix = e(path_prefix("clinic:course-detail"))
    # Phases and therapists repeat down the table: each escaped once.
    phases = _Once(lambda phase: e(phase_label(phase)))
    therapists = _Once(e)
    # The overdue tags are a few fixed labels: each escaped once for the table.
    tags_of: dict[int, str] = {}
    html = []
    for row in rows:
        course = row.course
        client = row.client
        # Rows with the same facts share one tuple of milestones (`caseload`).
        tags = tags_of.get(id(row.overdue))
        if tags is None:
            tags = tags_of[id(row.overdue)] = "".join(
                f'<span class="tag tag--danger">{e(milestone.overdue_label)}</span> '
                for milestone in row.overdue
            )
        phase = phases[row.phase] if course.state == Course.State.ACTIVE else ""
        html.append(
            f'<tr><td><a href="{prefix}{course.public_id}/">{e(client.display_name)}</a> '
            f'<span class="muted">{e(client.client_number)}</span></td>\n'
            f"<td>{therapists[course.therapist_name]}</td>\n"
            f"<td>{row.attended} {of} {course.planned_sessions} · {phase}</td>\n"
            f"<td>{tags}</td></tr>\n"
        )
    return mark_safe("".join(html))  # noqa: S308 - every value above is escaped


def appointment_list(rows: list[dict], *, show_therapist: bool, today: bool) -> SafeString:
    """The `<li>`s of today's appointments (each with its status) or the rest of the
    week's (the status only where it is not "booked"), from `appointment_rows`."""
    e = conditional_escape
    escaped = _Once(conditional_escape)
    # The link is the escaped path and the public id (nothing to escape in its text).
    prefix = e(path_prefix("clinic:appointment-detail"))
    html = []
    for row in rows:
        who = e(row["number"])
        if show_therapist:
            who = f"{who} · {escaped[row['therapist']]}"
        status = ""
        if today or row["status"] != "booked":
            status = (
                f' <span class="status status--{escaped[row["status"]]}">'
                f"{escaped[row['status_label']]}</span>"
            )
        html.append(
            f'<li><a href="{prefix}{row["public_id"]}/">{e(row["when"])} {e(row["name"])}</a> '
            f'<span class="muted">{who}</span>{status}</li>\n'
        )
    return mark_safe("".join(html))  # noqa: S308 - every value above is escaped


def _day(moment) -> str:
    # The `date:"j M Y"` filter: in the current time zone, the month's name translated
    # once per language.
    return day_month_year(timezone.localtime(moment))


def not_on_track_list(rows: list, *, show_therapist: bool) -> SafeString:
    """`clinic/partials/not_on_track_list.html` with its rows (`not_on_track.html`), for
    the caseload and oversight: the same markup and messages, every value escaped (the
    chart is the selector's own SVG, as the partial marks it safe). Compared with the
    partials in tests/clinic/test_caseload_lists.py."""
    if not rows:
        return mark_safe("")
    e = conditional_escape
    prefix = path_prefix("clinic:track-flag")
    (not_discussed,) = translated_words(_NOT_DISCUSSED)
    heading = ngettext(
        "%(counter)s client not on track", "%(counter)s clients not on track", len(rows)
    ) % {"counter": len(rows)}
    html = [
        '<section class="card risk" aria-labelledby="not-on-track-heading">\n'
        f'<h2 id="not-on-track-heading">{heading}</h2>\n<ul class="flags">\n'
    ]
    for row in rows:
        flag = row.flag
        therapist = ""
        if show_therapist:
            therapist = f' <span class="muted">· {e(row.course.therapist.user.full_name)}</span>'
        summary = _(
            "PHQ-9 %(score)s at session %(session)s (first score %(first)s); expected "
            "%(low)s to %(high)s at that session."
        ) % {
            "score": flag.score,
            "session": flag.session,
            "first": flag.first_score,
            "low": flag.expected_low,
            "high": flag.expected_high,
        }
        discussed = (
            _("Discussed in supervision on %(day)s.") % {"day": e(_day(flag.discussed_at))}
            if flag.discussed_at
            else not_discussed
        )
        html.append(
            f'<li><a href="{prefix}{flag.public_id}/"><strong>{e(row.client.display_name)}'
            f"</strong> {e(row.client.client_number)}</a>{therapist}\n"
            f'<div class="not-on-track">\n<p><strong>{summary}</strong>\n'
            f"{e(capfirst(choice_label(flag, 'reason')))}.</p>\n"
            f'<p class="help">{e(row.curve_label)}</p>\n'
            f'<div class="not-on-track__chart">{row.chart}</div>\n'
            f'<p class="muted">{_("Raised %(day)s.") % {"day": e(_day(flag.raised_at))}}\n'
            f"{discussed}</p>\n</div>\n</li>\n"
        )
    html.append("</ul>\n</section>\n")
    # The chart is the track selector's SVG, built from numbers and escaped labels.
    return mark_safe("".join(html))  # noqa: S308 - every value above is escaped


def risk_flag_list(flags: list, *, show_therapist: bool) -> SafeString:
    """`clinic/partials/risk_flags.html` for the open flags the reader may read (the
    caseload's and oversight's, which have no count of unreadable flags to show): the
    same markup and messages, every value escaped. Compared with the partial in
    tests/clinic/test_caseload_lists.py."""
    if not flags:
        return mark_safe("")
    e = conditional_escape
    prefix = path_prefix("clinic:risk-flag")
    (item,) = translated_words(_ITEM)
    heading = ngettext(
        "%(counter)s risk answer needs acknowledging",
        "%(counter)s risk answers need acknowledging",
        len(flags),
    ) % {"counter": len(flags)}
    html = [
        '<section class="card risk" aria-labelledby="flags-heading" role="region">\n'
        f'<h2 id="flags-heading">{heading}</h2>\n<ul class="flags">\n'
    ]
    for flag in flags:
        therapist = ""
        if show_therapist:
            therapist = f" · {e(flag.course.therapist.user.full_name)}"
        # `date:"j M Y H:i"` in the current time zone.
        local = timezone.localtime(flag.raised_at)
        raised = f"{day_month_year(local)} {hour_minute(local)}"
        html.append(
            f'<li><a href="{prefix}{flag.public_id}/"><strong>{e(flag.client.display_name)}'
            f"</strong> {e(flag.client.client_number)}</a>:\n"
            f"{e(flag.instrument)} {item} {e(flag.item[1:])} "
            f"\N{LEFT DOUBLE QUOTATION MARK}{e(truncated(flag.item_text, 60))}"
            f"\N{RIGHT DOUBLE QUOTATION MARK} \N{EM DASH} <strong>{e(flag.value_label)}</strong>\n"
            f'<span class="muted">· {e(raised)}{therapist}</span></li>\n'
        )
    html.append("</ul>\n</section>\n")
    return mark_safe("".join(html))  # noqa: S308 - every value above is escaped


def supervision_section(
    actions: list, notes: list, *, show_therapist: bool, csrf_token: str
) -> SafeString:
    """`clinic/supervision/partials/caseload_supervision.html`: the member's open actions
    from supervision (each with its form to mark it done) and the signed notes waiting
    for a co-signature; the same markup and messages, every value escaped. Compared with
    the partial in tests/clinic/test_caseload_lists.py."""
    if not actions and not notes:
        return mark_safe("")
    e = conditional_escape
    from_supervision, open_actions, mark_done = translated_words(*_SUPERVISION_WORDS)
    html = [
        '<section class="card" aria-labelledby="supervision-heading">\n'
        f'<h2 id="supervision-heading">{from_supervision}</h2>\n'
    ]
    if actions:
        # The one URL shape, reversed once: "…/actions/<id>/done/".
        marker = "00000000-0000-0000-0000-000000000000"
        done_path = cached_reverse("clinic:supervision-action-done", marker)
        before, _marker, after = done_path.partition(marker)
        token = f'<input type="hidden" name="csrfmiddlewaretoken" value="{e(csrf_token)}">'
        html.append(f'<h3>{open_actions}</h3>\n<ul class="actions">\n')
        for action in actions:
            client = ""
            if action.client and action.client_shown:
                client = f" ({e(action.client.display_name)})"
            due = _("due %(day)s, agreed with %(who)s") % {
                "day": e(day_month_year(action.due_on)),
                "who": e(action.session.supervisor.user.full_name),
            }
            html.append(
                f"<li>{e(action.text)}{client} · {due}\n"
                f'<form method="post" action="{before}{action.public_id}{after}" '
                f'class="inline-form">{token}<button type="submit" class="link">'
                f"{mark_done}</button></form></li>\n"
            )
        html.append("</ul>\n")
    if notes:
        prefix = path_prefix("clinic:appointment-detail")
        # A literal translation, written unescaped as `{% translate %}` writes it.
        heading = _("Signed notes waiting for a supervisor's co-signature")
        html.append(f"<h3>{heading}</h3>\n<ul>\n")
        for note in notes:
            therapist = ""
            if show_therapist:
                therapist = (
                    f' <span class="muted">· {e(note.course.therapist.user.full_name)}</span>'
                )
            day = day_month_year(timezone.localtime(note.appointment.starts_at))
            html.append(
                f'<li><a href="{prefix}{note.appointment.public_id}/#note">'
                f"{e(note.course.client.display_name)}, {e(day)}</a>{therapist}</li>\n"
            )
        html.append("</ul>\n")
    html.append("</section>\n")
    return mark_safe("".join(html))  # noqa: S308 - every value above is escaped
