"""The service outcome report: a page with a chart, and the same figures as CSV.

Admins report on the whole practice. Supervisors report on their record scope: their
supervisees and themself (the caseloads they oversee); choosing nobody means all of
them. Therapists have no report (403), but see their own point on the recovery funnel
plot (`outcome_funnel`) against the practice's mean and control limits.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property

from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from patternwork.accounts.models import Membership
from patternwork.clinic.decorators import staff_view
from patternwork.clinic.forms.reports import ReportFilterForm
from patternwork.core.fast_widgets import kept_unbound_fields
from patternwork.core.words import translator
from patternwork.measures.config import outcome_config
from patternwork.measures.outcomes import Rate
from patternwork.reports import funnel, selectors, services
from patternwork.reports.course_outcomes import CourseOutcomeRow, course_outcome_rows
from patternwork.reports.selectors import Mean, ServiceReport
from patternwork.supervision import selectors as supervision_selectors
from patternwork.treatment import plan

ADMIN, SUPERVISOR = Membership.Role.ADMIN, Membership.Role.SUPERVISOR
TEMPLATE = "clinic/reports/service_report.html"
FILTER_FIELDS_TEMPLATE = "clinic/reports/partials/filter_fields.html"
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHART_WIDTH, CHART_LABELS, CHART_BAR, CHART_ROW = 640, 250, 330, 30


@dataclass(frozen=True)
class Figure:
    code: str
    label: str
    count: int | None = None
    denominator: int | None = None
    value: Fraction | None = None
    kind: str = "count"  # count, rate, mean (count / denominator), or days (a median)
    warn: bool = False

    # Worked out once: the table, the chart and its description each show it.
    @cached_property
    def percent(self) -> float | None:
        return None if self.value is None or self.kind != "rate" else float(self.value * 100)

    @property
    def number(self) -> float | None:
        return None if self.value is None else float(self.value)


def _rate(code: str, label: str, rate: Rate, *, warn: bool = False) -> Figure:
    return Figure(code, label, rate.count, rate.denominator, rate.value, "rate", warn)


def _mean(code: str, label: str, mean: Mean) -> Figure:
    return Figure(code, label, mean.total, mean.count, mean.value, "mean")


def _waiting(waiting) -> list[tuple[str, list[Figure]]]:
    if waiting is None:
        return []
    # Fixed labels: translated once per language.
    _ = translator()
    return [
        (
            _("The waiting list today (offered DIT, no start yet)"),
            [
                Figure("waiting_now", _("Clients waiting"), waiting.count),
                Figure(
                    "waiting_median_days",
                    _("Median wait so far (days)"),
                    denominator=waiting.count,
                    value=waiting.median_days,
                    kind="days",
                ),
                _rate(
                    "waiting_within_6_weeks",
                    _("Waiting 6 weeks (42 days) or less"),
                    waiting.within_6_weeks,
                ),
                _rate(
                    "waiting_within_18_weeks",
                    _("Waiting 18 weeks (126 days) or less"),
                    waiting.within_18_weeks,
                ),
            ],
        )
    ]


def figures(report: ServiceReport) -> list[tuple[str, list[Figure]]]:
    """The report's figures by section, in the order the page and the CSV show them."""
    rates, waits, quality = report.outcomes, report.waits, report.data_quality
    # Fixed labels: translated once per language.
    _ = translator()
    return [
        (
            _("Activity"),
            [
                Figure("referrals", _("Referrals received"), report.referrals),
                Figure("started", _("Courses started"), report.started),
                Figure("finished", _("Courses finished"), report.finished),
                _mean(
                    "mean_attended_sessions",
                    _("Attended treatment sessions per finished course"),
                    report.attended_sessions,
                ),
                _rate(
                    "did_not_attend",
                    _("Did-not-attend rate, finished courses"),
                    report.did_not_attend,
                    warn=True,
                ),
            ],
        ),
        (
            _("Outcomes of finished courses"),
            [
                _rate("paired", _("With paired PHQ-9 and GAD-7 scores"), report.paired),
                _rate(
                    "without_paired_scores",
                    _("Finished without paired scores"),
                    report.without_paired_scores,
                    warn=True,
                ),
                _rate(
                    "at_caseness",
                    _("At caseness at start, of those with paired scores"),
                    report.at_caseness,
                ),
                _rate("recovery", _("Recovery"), rates.recovery),
                _rate(
                    "reliable_improvement", _("Reliable improvement"), rates.reliable_improvement
                ),
                _rate("reliable_recovery", _("Reliable recovery"), rates.reliable_recovery),
                _rate(
                    "reliable_deterioration",
                    _("Reliable deterioration"),
                    rates.reliable_deterioration,
                    warn=True,
                ),
            ],
        ),
        (
            _("Waits from referral to first attended session"),
            [
                _mean("wait_mean_days", _("Mean wait (days)"), waits.mean_days),
                Figure(
                    "wait_median_days",
                    _("Median wait (days)"),
                    denominator=waits.count,
                    value=waits.median_days,
                    kind="days",
                ),
                _rate("within_6_weeks", _("Seen within 6 weeks (42 days)"), waits.within_6_weeks),
                _rate(
                    "within_18_weeks", _("Seen within 18 weeks (126 days)"), waits.within_18_weeks
                ),
            ],
        ),
        *_waiting(report.waiting),
        (
            _("Data quality"),
            [
                Figure(
                    "date_problems",
                    _("Courses whose dates break the rules, any period"),
                    quality.count,
                ),
                Figure(
                    "waits_left_out_for_dates",
                    _("Finished courses left out of the waits for their dates"),
                    quality.left_out_of_waits,
                ),
            ],
        ),
    ]


def dated_wrongly(report: ServiceReport) -> list[tuple[object, list[str]]]:
    """The listed courses with their problems in the reader's language."""
    return [
        (course, [_(plan.DATE_PROBLEM_LABELS[problem]) for problem in course.problems])
        for course in report.data_quality.listed
    ]


@dataclass(frozen=True)
class Bar:
    figure: Figure
    y: int
    width: float
    text_x: float


def chart(sections: list[tuple[str, list[Figure]]]) -> dict:
    """Geometry of a horizontal bar per rate, drawn server-side (no script, no style)."""
    rates = [figure for _title, items in sections for figure in items if figure.kind == "rate"]
    bars = []
    for index, figure in enumerate(rates):
        width = 0.0 if figure.percent is None else CHART_BAR * figure.percent / 100
        bars.append(Bar(figure, index * CHART_ROW, width, CHART_LABELS + width + 6))
    height = len(bars) * CHART_ROW
    return {
        "bars": bars,
        "width": CHART_WIDTH,
        "height": height + 24,
        "labels": CHART_LABELS,
        "grid": [
            {"x": CHART_LABELS + CHART_BAR * share / 100, "label": f"{share}%"}
            for share in (0, 25, 50, 75, 100)
        ],
        "axis_y": height + 16,
        "bar_height": CHART_ROW - 10,
        "bar_area": height,
    }


def _everyone(membership):
    if membership.is_admin:
        return gettext_lazy("Whole practice")
    return gettext_lazy("Everyone I supervise")


def _filter_form(request, *, rendered: bool = True) -> ReportFilterForm:
    membership = request.membership
    everyone = _everyone(membership)
    data = request.GET or None
    return ReportFilterForm(
        data,
        # Only a bound form checks the chosen therapist against the member's scope; an
        # unbound one has nothing to check and lists `shown`.
        therapists=selectors.report_therapists(membership) if data is not None else None,
        everyone_label=everyone,
        # A form that is only validated (the CSV) lists nobody.
        shown=selectors.report_therapist_choices(membership) if rendered else None,
    )


def _filter_fields(request) -> tuple[ReportFilterForm | None, str]:
    """The bound filter form (None when the report is unfiltered) and its fields as the
    page writes them. Unbound, the fields are the same for every request with the same
    choices, so the form is built only when they are not kept yet (`kept_unbound_fields`):
    the form's copy of its fields and their rendering saved."""
    if request.GET:
        form = _filter_form(request)
        return form, render_to_string(FILTER_FIELDS_TEMPLATE, {"form": form})
    membership = request.membership
    everyone = _everyone(membership)
    shown = selectors.report_therapist_choices(membership)
    html = kept_unbound_fields(
        lambda: ReportFilterForm(therapists=None, everyone_label=everyone, shown=shown),
        FILTER_FIELDS_TEMPLATE,
        (str(everyone), tuple(shown)),
    )
    return None, html


def _filters(form: ReportFilterForm | None) -> dict:
    if form is None or not form.is_bound:
        return NO_FILTERS
    return {key: form.cleaned_data[key] for key in ("therapist", "ended_from", "ended_to")}


def _invalid(request, form, filter_fields=None):
    if filter_fields is None:
        filter_fields = render_to_string(FILTER_FIELDS_TEMPLATE, {"form": form})
    return render(request, TEMPLATE, {"form": form, "filter_fields": filter_fields}, status=400)


NO_FILTERS = {"therapist": None, "ended_from": None, "ended_to": None}
POSITION_LABELS = {
    funnel.Position.HIGH_998: gettext_lazy("Above the 99.8% limit"),
    funnel.Position.HIGH_95: gettext_lazy("Above the 95% limit"),
    funnel.Position.WITHIN: gettext_lazy("Within the limits"),
    funnel.Position.LOW_95: gettext_lazy("Below the 95% limit"),
    funnel.Position.LOW_998: gettext_lazy("Below the 99.8% limit"),
    funnel.Position.NO_DATA: gettext_lazy("No course in the recovery count"),
}


@dataclass(frozen=True)
class FunnelRow:
    unit: funnel.Unit
    position: str
    limits: funnel.Limits | None

    @property
    def percent(self) -> float | None:
        return None if self.unit.rate is None else self.unit.rate * 100


def funnel_context(membership, filters: dict) -> dict:
    """The funnel plot and its table: every therapist the member may see, one query."""
    data = selectors.funnel_for(
        membership, ended_from=filters["ended_from"], ended_to=filters["ended_to"]
    )
    rows = [
        FunnelRow(
            unit,
            POSITION_LABELS[funnel.position(unit, data.mean)],
            funnel.limits(unit.denominator, data.mean)
            if unit.denominator and data.mean is not None
            else None,
        )
        for unit in data.shown
    ]
    # Fixed words: translated once per language.
    _ = translator()
    mean = _("none yet") if data.mean is None else f"{data.mean * 100:.1f}%"
    svg = funnel.funnel_svg(
        shown=data.shown,
        mean=data.mean,
        largest=data.largest,
        title=_("Recovery by therapist against their number of finished courses"),
        description=_(
            "Each point is a therapist; the solid line is the practice's recovery rate "
            "(%(mean)s), the dashed lines its 95%% limits and the dotted lines its 99.8%% limits."
        )
        % {"mean": mean},
        x_label=_("Finished courses counted for recovery"),
        y_label=_("Recovery"),
    )
    return {"funnel_svg": svg, "funnel_rows": rows, "funnel_mean": data.mean}


@staff_view(ADMIN, SUPERVISOR, Membership.Role.THERAPIST)
def outcome_funnel(request):
    """The funnel plot alone: a therapist's own point, a supervisor's scope, an admin's all."""
    form = _filter_form(request) if not request.membership.is_therapist else None
    if form is not None and form.is_bound and not form.is_valid():
        return _invalid(request, form)
    # A therapist's page has no filter: their one point over every finished course.
    filters = _filters(form) if form is not None else NO_FILTERS
    return render(
        request,
        "clinic/reports/outcome_funnel.html",
        {"form": form, **funnel_context(request.membership, filters)},
    )


@staff_view(ADMIN, SUPERVISOR)
def service_report(request):
    form, filter_fields = _filter_fields(request)
    if form is not None and not form.is_valid():
        return _invalid(request, form, filter_fields)
    filters = _filters(form)
    report = selectors.service_report_for(request.membership, **filters)
    sections = figures(report)
    query = request.GET.urlencode()
    return render(
        request,
        TEMPLATE,
        {
            "form": form,
            "filter_fields": filter_fields,
            "filters": filters,
            "report": report,
            "sections": sections,
            "chart": chart(sections),
            "dated_wrongly": dated_wrongly(report),
            "query": query,
            "rules": outcome_config(),
            "rating_coverage": supervision_selectors.rating_coverage(request.membership),
            **funnel_context(request.membership, filters),
        },
    )


def _text(value: str) -> str:
    """A text cell a spreadsheet shows as text: never a formula (numbers are written as such)."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _decimal(figure: Figure) -> str:
    if figure.value is None:
        return ""
    places = 4 if figure.kind == "rate" else 2
    return f"{float(figure.value):.{places}f}"


def _csv_name(practice, filters) -> str:
    start, end = filters["ended_from"], filters["ended_to"]
    period = f"{start.isoformat() if start else 'start'}-to-{end.isoformat() if end else 'now'}"
    return f"service-report-{practice.slug}-{period}.csv"


@staff_view(ADMIN, SUPERVISOR)
def service_report_csv(request):
    form = _filter_form(request, rendered=False)
    if form.is_bound and not form.is_valid():
        return _invalid(request, form)
    filters = _filters(form)
    membership = request.membership
    report = selectors.service_report_for(membership, **filters)
    services.record_export(membership=membership, report="service-outcomes", **filters)
    therapist = filters["therapist"]
    context = [
        membership.practice.name,
        therapist.user.full_name if therapist else "",
        filters["ended_from"].isoformat() if filters["ended_from"] else "",
        filters["ended_to"].isoformat() if filters["ended_to"] else "",
    ]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{_csv_name(membership.practice, filters)}"'
    )
    # The byte order mark makes spreadsheet programs read the file as UTF-8.
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(
        [
            "code",
            "measure",
            "count",
            "denominator",
            "rate",
            "practice",
            "therapist",
            "ended_from",
            "ended_to",
        ]
    )
    for _section, items in figures(report):
        for figure in items:
            writer.writerow(
                [
                    _text(figure.code),
                    _text(figure.label),
                    "" if figure.count is None else figure.count,
                    "" if figure.denominator is None else figure.denominator,
                    _decimal(figure),
                    *(_text(value) for value in context),
                ]
            )
    return response


# One row per finished course


COURSE_COLUMNS = (
    "course_id",
    "client_number",
    "therapist",
    "referral_received",
    "first_session",
    "ended_on",
    "end_reason",
    "attended_sessions",
    "did_not_attend",
    "wait_days",
    "phq9_first",
    "phq9_last",
    "phq9_change",
    "gad7_first",
    "gad7_last",
    "gad7_change",
    "wsas_first",
    "wsas_last",
    "paired",
    "caseness_at_start",
    "recovered",
    "reliable_improvement",
    "reliable_deterioration",
    "reliable_recovery",
    "counts_for_recovery",
    "risk_flags",
    "risk_flags_open",
    "date_problems",
)


def _flag(value: bool | None) -> str:
    """yes / no, and empty where the rule does not apply (no pair, not at caseness)."""
    return "" if value is None else ("yes" if value else "no")


def _number(value) -> str:
    return "" if value is None else str(value)


def _day(value) -> str:
    return "" if value is None else value.isoformat()


def course_cells(row: CourseOutcomeRow) -> list[str]:
    outcome = row.outcome
    phq9_change, gad7_change = row.changes
    return [
        str(row.course_id),
        _text(row.client_number),
        _text(row.therapist),
        _day(row.referral_received),
        _day(row.first_session),
        _day(row.ended_on),
        row.end_reason,
        str(row.attended),
        str(row.did_not_attend),
        _number(row.wait_days),
        _number(row.phq9[0]),
        _number(row.phq9[1]),
        phq9_change.value if phq9_change else "",
        _number(row.gad7[0]),
        _number(row.gad7[1]),
        gad7_change.value if gad7_change else "",
        _number(row.wsas[0]),
        _number(row.wsas[1]),
        _flag(outcome.paired),
        _flag(outcome.caseness_at_start),
        _flag(outcome.recovered),
        _flag(outcome.reliable_improvement),
        _flag(outcome.reliable_deterioration),
        _flag(outcome.reliable_recovery),
        _flag(outcome.counts_for_recovery),
        str(row.risk_flags),
        str(row.risk_flags_open),
        " ".join(problem.value for problem in row.date_problems),
    ]


class _Echo:
    """A file-like object whose write returns the line, for a streamed CSV."""

    def write(self, value: str) -> str:
        return value


@staff_view(ADMIN, SUPERVISOR)
def course_outcomes_csv(request):
    """One row per finished course in the reader's scope and the chosen period, streamed."""
    form = _filter_form(request, rendered=False)
    if form.is_bound and not form.is_valid():
        return _invalid(request, form)
    filters = _filters(form)
    membership = request.membership
    rows = course_outcome_rows(membership, **filters)
    services.record_export(membership=membership, report="course-outcomes", **filters)
    writer = csv.writer(_Echo())

    def lines():
        # The byte order mark makes spreadsheet programs read the file as UTF-8.
        yield "\ufeff" + writer.writerow(COURSE_COLUMNS)
        for row in rows:
            yield writer.writerow(course_cells(row))

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    name = _csv_name(membership.practice, filters).replace("service-report", "course-outcomes")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
