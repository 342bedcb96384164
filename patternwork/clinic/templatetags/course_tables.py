"""The course and session pages' repeated rows written in Python: the phase band's
cells, the timeline's rows and the scores table's rows; the session's episodes and the
pattern's trend.

In the template each cell or row resolved a dozen variables, localised each number and
ran its `{% if %}` tests: with a 16-session plan and its appointments that was a fifth
of the page's rendering. These tags write the markup the loops wrote (runs of
whitespace aside), every value escaped as the template escaped it, the fixed words
translated once per table.
"""

from datetime import date, datetime
from uuid import UUID

from django import template
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import truncatechars
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.text import add_truncation_text, calculate_truncate_chars_length
from django.utils.timezone import template_localtime
from django.utils.translation import get_language, gettext, gettext_noop

from patternwork.clinic.templatetags.clinic import MILESTONE_LABELS, MILESTONE_TAGS, phase_label
from patternwork.core.dates import date_names, hour_minute
from patternwork.core.escaping import conditional_escape as _escaped
from patternwork.core.escaping import escape_plain as _escape
from patternwork.core.navigation import cached_reverse
from patternwork.core.words import kept

register = template.Library()


def _translated(*msgids: str) -> tuple[str, ...]:
    """The fixed words of a table, translated and escaped once per language."""
    return kept(
        ("escaped words", msgids), lambda: tuple(_escape(gettext(msgid)) for msgid in msgids)
    )


# The same, for the tables other modules write (the caseload's).
translated_words = _translated


@register.simple_tag
def phase_band(bounds, attended: int) -> str:
    """The phase band's cells: one per planned session, its phase and whether attended."""
    session_word = conditional_escape(gettext("Session"))
    attended_word = conditional_escape(gettext("attended"))
    cells = []
    for phase, span in (
        ("initial", bounds.initial),
        ("middle", bounds.middle),
        ("ending", bounds.ending),
    ):
        label = conditional_escape(phase_label(phase))
        for number in range(span.first, span.last + 1):
            done = number <= attended
            cells.append(
                f'<li class="phase-band__cell phase-band__cell--{phase}'
                f'{" phase-band__cell--done" if done else ""}">'
                f'<span class="visually-hidden">{session_word} </span>{number}'
                f'<span class="visually-hidden">, {label}'
                f"{f', {attended_word}' if done else ''}</span></li>"
            )
    return mark_safe("\n".join(cells))  # noqa: S308 - every value above is escaped


@register.simple_tag
def timeline_rows(rows: list[dict], notes_visible: bool) -> str:
    """The timeline's rows (`clinic.views.courses._timeline_rows`), or its empty row."""
    if not rows:
        return mark_safe(  # noqa: S308 - a fixed text, escaped
            f'<tr><td colspan="5" class="empty">'
            f"{conditional_escape(gettext('No appointments yet.'))}</td></tr>"
        )
    min_word, assessment_word, if_attended, note_word, recorded_word, no_note = _translated(
        gettext_noop("min"),
        gettext_noop("Assessment"),
        gettext_noop("if attended"),
        gettext_noop("Note"),
        gettext_noop("Recorded"),
        gettext_noop("No note yet"),
    )
    out = []
    for row in rows:
        url = _escape(row["url"])
        phase = row["phase"]
        if row["kind"] == "assessment":
            session = assessment_word
        elif row["expected_number"]:
            session = (
                f'<span class="muted" title="{if_attended}">'
                f"({_escape(row['expected_number'])})</span>"
            )
        else:
            session = _escape(row["session_number"] or "")
        reason = row["reason"]
        reason_html = f' <span class="muted">· {_escape(reason)}</span>' if reason else ""
        if row["has_note"]:
            note = f'<a href="{url}#note">{note_word}</a>' if notes_visible else recorded_word
        elif row["status"] == "attended":
            note = f'<span class="tag tag--warn">{no_note}</span>'
        else:
            note = ""
        # Cells on lines of their own, as the template's loop wrote them.
        out.append(
            f'<tr class="{f"timeline__row--{_escape(phase)}" if phase else ""}">\n'
            f'<td><a href="{url}">{_escape(row["when"])}</a> '
            f'<span class="muted">({_escape(row["minutes"])} {min_word})</span></td>\n'
            f"<td>{session}</td>\n"
            f"<td>{_escape(row['phase_label'])}</td>\n"
            f'<td><span class="status status--{_escape(row["status"])}">'
            f"{_escape(row['status_label'])}</span>"
            f"{reason_html}</td>\n"
            f"<td>{note}</td>\n</tr>"
        )
    return mark_safe("\n".join(out))  # noqa: S308 - every value above is escaped


# Any id: the appointment link is reversed once, and each row puts its own id in it.
_SOME_ID = UUID(int=0)
_DASH = "\N{EN DASH}"


def _score(score, kind: str, missing: str) -> str:
    if score is not None:
        return f'{_escape(score.total)} <span class="muted">{_escape(score.band)}</span>'
    return f'<span class="muted">{missing}</span>' if kind != "other" else ""


@register.simple_tag
def measure_rows(rows) -> str:
    """The scores table's rows (`measures.selectors.course_measures`), or its empty row."""
    if not rows:
        return mark_safe(  # noqa: S308 - a fixed text, escaped
            f'<tr><td colspan="6" class="empty">'
            f"{conditional_escape(gettext('No attended sessions yet.'))}</td></tr>"
        )
    link = cached_reverse("clinic:appointment-detail", _SOME_ID)
    (
        assessment_word,
        not_session,
        not_recorded,
        since_edited,
        flag_open,
        acknowledged,
        none_word,
    ) = _translated(
        gettext_noop("Assessment"),
        gettext_noop("Not a session"),
        gettext_noop("not recorded"),
        gettext_noop("(since edited)"),
        gettext_noop("flag open"),
        gettext_noop("acknowledged"),
        gettext_noop("none"),
    )
    answer_text = gettext("%(code)s item %(number)s: %(label)s (%(value)s)")
    out = []
    for row in rows:
        if row.kind == "session":
            name = _escape(row.session)
        elif row.kind == "assessment":
            name = assessment_word
        else:
            name = not_session
        if row.appointment_public_id:
            url = _escape(link.replace(str(_SOME_ID), str(row.appointment_public_id)))
            name = f'<a href="{url}">{name}</a>'
        answers = []
        for answer in row.risk:
            text = answer_text % {
                "code": _escape(answer.instrument),
                "number": _escape(answer.item_number),
                "label": _escape(answer.label),
                "value": _escape(answer.value),
            }
            if not answer.current:
                text += f' <span class="muted">{since_edited}</span>'
            if answer.flag_open:
                text += f' <span class="tag tag--danger">{flag_open}</span>'
            elif answer.flag_open is False:
                text += f' <span class="tag">{acknowledged}</span>'
            answers.append(f'<span class="risk-answer">{text}</span>')
        risk = "".join(answers) or f'<span class="muted">{none_word}</span>'
        # Cells on lines of their own, as the template's loop wrote them.
        out.append(
            f'<tr>\n<th scope="row">{name}</th>\n'
            f"<td>{_escape(day_month_year(template_localtime(row.when)))}</td>\n"
            f"<td>{_score(row.phq9, row.kind, not_recorded)}</td>\n"
            f"<td>{_score(row.gad7, row.kind, not_recorded)}</td>\n"
            f"<td>{_score(row.wsas, row.kind, _DASH)}</td>\n"
            f"<td>{risk}</td>\n</tr>"
        )
    return mark_safe("\n".join(out))  # noqa: S308 - every value above is escaped


def _plan_words() -> tuple[str, ...]:
    """The plan's fixed words as `{% translate %}` writes them (a literal's translation is
    not escaped), translated once per language."""
    return kept(_plan_words, _make_plan_words)


def _make_plan_words() -> tuple[str, ...]:
    return tuple(
        gettext(msgid)
        for msgid in (
            gettext_noop("Sessions"),
            gettext_noop("minutes"),
            gettext_noop("Phases"),
            gettext_noop("initial"),
            gettext_noop("middle"),
            gettext_noop("ending"),
            gettext_noop("First session"),
            gettext_noop("Projected last session"),
            gettext_noop("Goodbye letter shared in"),
            gettext_noop("session"),
        )
    )


def choice_labels(model, field_name: str) -> dict:
    """The labels of a model field's choices by value, translated once per language."""
    meta = model._meta
    return kept(
        ("choice labels", meta.label, field_name),
        lambda: {value: str(label) for value, label in meta.get_field(field_name).flatchoices},
    )


@register.filter
def choice_label(instance, field_name: str):
    """`instance.get_<field_name>_display()`, the field's labels translated once per
    language (`choice_labels`): Django's method makes every choice hashable and a
    dictionary of them, then casts the lazy label, on every call."""
    labels = choice_labels(instance, field_name)
    value = getattr(instance, instance._meta.get_field(field_name).attname)
    return labels.get(value, value)


@register.simple_tag
def plan_details(course, view) -> str:
    """The plan's terms of a started course: its sessions, phases, first and projected
    last session and the session the goodbye letter is shared in."""
    (
        sessions_word,
        minutes_word,
        phases_word,
        initial_word,
        middle_word,
        ending_word,
        first_word,
        projected_word,
        letter_word,
        session_word,
    ) = _plan_words()
    cadence = str(choice_label(course, "cadence")).lower()
    sessions = (
        f"{_escape(course.planned_sessions)}, {_escape(cadence)}, "
        f"{_escape(course.session_minutes)} {minutes_word}"
    )
    if course.start_time:
        sessions += f", {hour_minute(course.start_time)}"
    bounds = view.bounds
    phases = (
        f"{initial_word} {bounds.initial.first}{_DASH}{bounds.initial.last}, "
        f"{middle_word} {bounds.middle.first}{_DASH}{bounds.middle.last}, "
        f"{ending_word} {bounds.ending.first}{_DASH}{bounds.ending.last}"
    )
    first = day_month_year(course.start_date) if course.start_date else _DASH
    projected = ""
    if view.projection:
        end = view.projection.end_date
        days = _names(get_language())[0]
        projected = f"<dt>{projected_word}</dt><dd>{days[end.weekday()]} {day_month_year(end)}</dd>"
    # The lines as the template wrote them, each after its indent.
    return mark_safe(  # noqa: S308 - every value above is escaped or a number
        f"<dt>{sessions_word}</dt><dd>{sessions}</dd>\n"
        f"      <dt>{phases_word}</dt><dd>{phases}</dd>\n"
        f"      <dt>{first_word}</dt><dd>{_escape(first)}</dd>\n"
        f"      {projected}\n"
        f"      <dt>{letter_word}</dt><dd>{session_word} {_escape(view.share_session)}</dd>"
    )


@register.simple_tag
def milestone_items(milestones) -> str:
    """The milestones' list items, each with its state's tag and words."""
    # Each state's tag and words, escaped, made once per language.
    states = kept(
        milestone_items,
        lambda: {
            state: (_escape(MILESTONE_TAGS.get(state, "")), _escape(label))
            for state, label in MILESTONE_LABELS.items()
        },
    )
    out = []
    for milestone in milestones:
        state = str(milestone.state)
        tag, words = states.get(state) or ("", _escape(state))
        detail = milestone.detail
        detail_html = f' <span class="muted">· {_escape(detail)}</span>' if detail else ""
        # As the template's loop wrote each item: on a line of its own, then the indent.
        out.append(
            f'\n      <li><span class="tag {tag}">{words}</span> '
            f"{_escape(milestone.label)}{detail_html}</li>\n    "
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


# Dates with the abbreviated weekdays and months as `date_format` writes them.
def day_and_time(value, names=None) -> str:
    """`date_format(value, "D j M Y, H:i")`, with the day and month names translated
    once per language rather than formatted through a lazy string each row; `names`,
    from `day_and_month_names`, when the caller writes many rows in one language."""
    days, months = names or _names(get_language())
    return (
        f"{days[value.weekday()]} {value.day} {months[value.month]} {value.year:04d}, "
        f"{hour_minute(value)}"
    )


def day_and_month_names(language) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The abbreviated weekdays and months of `language`, for `day_and_time`."""
    return _names(language)


def _names(language) -> tuple[tuple[str, ...], tuple[str, ...]]:
    # The formatter's names, translated once per language (core.dates).
    names = date_names(language)
    return names.weekdays_abbr, names.months_abbr


def day_month_year(value) -> str:
    """`date_format(value, "j M Y")`, the month's name translated once per language."""
    months = _names(get_language())[1]
    return f"{value.day} {months[value.month]} {value.year:04d}"


@register.filter(expects_localtime=True)
def day_month_year_of(value) -> str:
    """`value|date:"j M Y"` of a date (`day_month_year`); anything else as the filter
    writes it."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return day_month_year(value)
    return date_filter(value, "j M Y")


def truncated(text: str, length: int) -> str:
    """`truncatechars` of a text: Django's filter normalises the whole text and tests
    each character for a combining mark; plain ASCII has none, so its count is its
    length and the cut is made by slicing, as the filter would cut it."""
    if not text.isascii():
        return truncatechars(text, length)
    if len(text) <= length:
        return text
    return add_truncation_text(text[: calculate_truncate_chars_length(length, None)])


@register.simple_tag
def session_episodes(episodes) -> str:
    """The session page's episodes logged at the session, or its empty line."""
    none_yet, with_therapist, also = _translated(
        gettext_noop("No episode logged at this session yet."),
        gettext_noop("With the therapist"),
        gettext_noop("also in the session"),
    )
    if not episodes:
        return mark_safe(f'<p class="muted">{none_yet}</p>')  # noqa: S308 - escaped
    # The link escaped once: an id is hex digits and hyphens, with nothing to escape.
    link = _escaped(cached_reverse("clinic:episode-detail", _SOME_ID))
    some_id = str(_SOME_ID)
    # A session's episodes name a few people: each name escaped once.
    people: dict[str, str] = {}
    out = []
    for episode in episodes:
        url = link.replace(some_id, str(episode.public_id))
        if episode.with_therapist:
            who = with_therapist
        else:
            who = people.get(episode.person_label)
            if who is None:
                who = people[episode.person_label] = _escaped(episode.person_label)
        tag = f' <span class="tag">{also}</span>' if episode.showed_in_session else ""
        out.append(
            f'<p>· <a href="{url}">{who}</a>: {_escaped(truncated(episode.account, 120))}{tag}</p>'
        )
    return mark_safe("\n".join(out))  # noqa: S308 - every value above is escaped


@register.simple_tag
def trend_rows(trend) -> str:
    """The session page's trend table rows: per category, its count of each phase's
    episodes (`formulation.selectors.session_trend`)."""
    out = []
    for row in trend:
        cells = "".join(
            f"<td>{share.count}/{share.total}</td>" if share else f"<td>{_DASH}</td>"
            for _phase, share in row.shares
        )
        out.append(
            f'<tr><th scope="row">{_escaped(row.part)}: {_escaped(row.label)}</th>{cells}</tr>'
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


@register.simple_tag
def id_url(viewname: str, public_id) -> str:
    """`{% url viewname public_id %}` for a URL that takes one public id: reversed once
    per process with a stand-in id (`core.navigation.cached_reverse`), then the id put
    in its place, as the `uuid` converter writes it."""
    if not isinstance(public_id, UUID):
        return reverse(viewname, args=[public_id])
    return cached_reverse(viewname, _SOME_ID).replace(str(_SOME_ID), str(public_id))
