from django import template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from patternwork.clinic import score_chart

register = template.Library()

PHASE_LABELS = {
    "initial": _("Initial phase"),
    "middle": _("Middle phase"),
    "ending": _("Ending phase"),
    "over_plan": _("Over plan"),
}
MILESTONE_TAGS = {"overdue": "tag--danger", "due": "tag--warn", "done": "tag--ok", "not_yet": ""}
MILESTONE_LABELS = {
    "overdue": _("Overdue"),
    "due": _("Due"),
    "done": _("Done"),
    "not_yet": _("Not yet"),
}


@register.filter
def phase_label(phase) -> str:
    return str(PHASE_LABELS.get(str(phase), "")) if phase else ""


@register.filter
def milestone_tag(state) -> str:
    return MILESTONE_TAGS.get(str(state), "")


@register.filter
def milestone_state(state) -> str:
    return str(MILESTONE_LABELS.get(str(state), state))


@register.simple_tag
def score_chart_svg(measures):
    """The course's score chart as SVG (clinic.score_chart), with its description."""
    return score_chart.score_chart_svg(measures.chart, measures.description)


SCORE_CHART_KEY = "clinic/partials/score_chart_key.html"
# The key as written, by language, bands and whether a session ran over the plan.
_SCORE_CHART_KEYS: dict[tuple, str] = {}


@register.simple_tag
def score_chart_key(measures):
    """The score chart's key: the same words for every course but for the bands of the
    instruments read by band and whether a session ran over the plan, so written once per
    language and those rather than through a dozen nodes and a regroup on every page."""
    over_plan = len(measures.chart.bands) > 3
    key = (get_language(), over_plan, measures.bands)
    html = _SCORE_CHART_KEYS.get(key)
    if html is None:
        if len(_SCORE_CHART_KEYS) >= 32:
            _SCORE_CHART_KEYS.clear()
        html = render_to_string(SCORE_CHART_KEY, {"bands": measures.bands, "over_plan": over_plan})
        # The file's last line break is not part of the key.
        html = _SCORE_CHART_KEYS[key] = mark_safe(html.rstrip("\n"))  # noqa: S308 - rendered
    return html
