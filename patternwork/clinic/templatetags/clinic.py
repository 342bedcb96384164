from django import template
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
