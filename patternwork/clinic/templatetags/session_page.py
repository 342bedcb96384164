"""The session page's lists written in Python: a signed note's answers and the
questionnaires given at the session.

The template's loops resolved each field's name, value and label, and each response's
scores, band and risk flags, through the template engine; these tags write the same
bytes (tests compare the two), every value escaped as the template escapes it.
"""

from django import template
from django.forms import BaseForm
from django.template.defaultfilters import linebreaksbr
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime

from patternwork.clinic.templatetags.course_tables import day_month_year_of, id_url
from patternwork.core.dates import date_names, hour_minute
from patternwork.core.escaping import conditional_escape
from patternwork.core.words import translator

register = template.Library()


@register.simple_tag
def signed_note_text(form: BaseForm) -> SafeString:
    """Each field but the version that has a value: its label, then its text with line
    breaks (`{{ field.value|linebreaksbr }}`)."""
    out = []
    for field in form:
        if field.name == "version":
            continue
        value = field.value()
        if value:
            out.append(
                f"<h3>{conditional_escape(field.label)}</h3>"
                f"<p>{conditional_escape(linebreaksbr(value, autoescape=True))}</p>"
            )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


@register.simple_tag
def response_items(responses) -> SafeString:
    """Each questionnaire's `<li>`: its score (out of its maximum), band, whether above
    caseness, and a link to each of its risk flags (acknowledged or not)."""
    _ = translator()
    # Literal translations, written unescaped as `{% translate %}` writes them.
    above, risk_answer, acknowledged = _("above caseness"), _("Risk answer"), _("acknowledged")
    e = conditional_escape
    out = []
    for response in responses:
        out_of = f"/{response.max_total}" if response.max_total else ""
        caseness = f' <span class="tag">{above}</span>' if response.caseness else ""
        flags = "".join(
            f' <a class="tag tag--danger" href="{e(id_url("clinic:risk-flag", flag.public_id))}">'
            f"{risk_answer}: {e(flag.value_label)}"
            f"{'' if flag.is_open else f' ({acknowledged})'}</a>"
            for flag in response.risk_flags.all()
        )
        out.append(
            f"\n      <li><strong>{e(response.instrument)}</strong> {e(response.total)}{out_of}"
            f" · {e(response.band)}{caseness}{flags}</li>\n    "
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


@register.simple_tag
def session_of(number: int, total: int) -> SafeString:
    """The heading's "Session n of total" (`{% blocktranslate %}` of two integers)."""
    words = translator()("Session %(n)s of %(total)s")
    return mark_safe(words % {"n": number, "total": total})  # noqa: S308 - integers


@register.simple_tag
def signed_by(note) -> SafeString:
    """ "Signed by who on when." as the note's `{% blocktranslate %}` wrote it: the signed
    moment by the `date:"j M Y H:i"` filter, in the current time zone, and both escaped."""
    when = ""
    if note.signed_at is not None:
        local = template_localtime(note.signed_at)
        month = date_names().months_abbr[local.month]
        when = f"{local.day} {month} {local.year:04d} {hour_minute(local)}"
    words = translator()("Signed by %(who)s on %(when)s.")
    values = {
        "who": conditional_escape(note.signed_by.user.full_name),
        "when": conditional_escape(when),
    }
    return mark_safe(words % values)  # noqa: S308 - the values are escaped


@register.simple_tag
def agreed_version(agreed) -> SafeString:
    """ "Version n, agreed day." of the agreed IPAF, as its `{% blocktranslate %}` wrote
    it: the day by the `date:"j M Y"` filter (`day_month_year_of`), escaped."""
    words = translator()("Version %(n)s, agreed %(day)s.")
    day = conditional_escape(day_month_year_of(template_localtime(agreed.agreed_on)))
    return mark_safe(words % {"n": agreed.number, "day": day})  # noqa: S308 - escaped


@register.simple_tag
def session_times(appointment) -> SafeString:
    """`starts_at|date:"l j F Y, H:i"`, an en dash, then `ends_at|date:"H:i"`, in the
    current time zone: the formatter's names, and hours and minutes two digits each, as
    it writes them."""
    # The formatter's names, translated once per language (`core.dates`).
    names = date_names()
    local = template_localtime(appointment.starts_at)
    end = template_localtime(appointment.ends_at)
    start = f"{names.long_day(local)} {local.year:04d}, {hour_minute(local)}"
    # A weekday and a month name escaped; the rest is digits.
    return mark_safe(f"{conditional_escape(start)}\N{EN DASH}{hour_minute(end)}")  # noqa: S308
