"""The service report's rows and chart text, written by tags, against the template
filters they stand in for: same numbers, same escaping."""

import re
from fractions import Fraction

from django.template import Context, Template
from django.template.defaultfilters import floatformat

from patternwork.accounts.models import Membership
from patternwork.clinic.forms.reports import ReportFilterForm
from patternwork.clinic.templatetags import report_tables
from patternwork.clinic.views.reports import Figure, FunnelRow, chart
from patternwork.measures.definitions import Comparator, Threshold
from patternwork.measures.outcomes import MeasureRule, OutcomeConfig
from patternwork.reports import funnel
from patternwork.reports.selectors import report_therapist_choices, report_therapists
from patternwork.supervision.rubric import Coverage
from tests.factories import MembershipFactory


def test_one_place_matches_floatformat():
    for value in (0.0, 12.25, 33.333333, 66.65, 99.95, 100.0, 2.5e-7):
        assert report_tables.one_place(value) == floatformat(value, 1)


def _figures():
    return [
        Figure("a", "A & <b>", 3, 4, Fraction(3, 4), "rate"),
        Figure("b", "No data yet", 0, 0, None, "rate"),
        Figure("c", "Count", 7),
    ]


def test_chart_description_matches_the_template_loop():
    drawn = chart([("Section", _figures())])
    loop = Template(
        "{% load i18n l10n %}{% localize off %}{% for bar in chart.bars %} "
        "{{ bar.figure.label }}, {% if bar.figure.percent is None %}{% translate 'no data' %}"
        "{% else %}{{ bar.figure.percent|floatformat:1 }}% ({% blocktranslate with "
        "count=bar.figure.count total=bar.figure.denominator %}{{ count }} of {{ total }}"
        "{% endblocktranslate %}){% endif %}{% if not forloop.last %};{% else %}.{% endif %}"
        "{% endfor %}{% endlocalize %}"
    ).render(Context({"chart": drawn}))
    assert report_tables.chart_description(drawn) == loop
    assert "A &amp; &lt;b&gt;, 75.0% (3 of 4); No data yet, no data." in loop


def test_chart_grid_matches_the_template_loop():
    drawn = chart([("Section", _figures())])
    loop = Template(
        "{% load l10n %}{% localize off %}{% for line in chart.grid %}"
        '<line class="report-chart__grid" x1="{{ line.x }}" x2="{{ line.x }}" y1="0" '
        'y2="{{ chart.bar_area }}"/><text class="report-chart__axis" x="{{ line.x }}" '
        'y="{{ chart.axis_y }}" text-anchor="middle">{{ line.label }}</text>'
        "{% endfor %}{% endlocalize %}"
    ).render(Context({"chart": drawn}))
    assert re.sub(r">\s+<", "><", report_tables.chart_grid(drawn)).strip() == loop


def test_chart_bars_match_the_template_loop():
    figures = [*_figures(), Figure("d", "Warned <i>", 1, 3, Fraction(1, 3), "rate", warn=True)]
    drawn = chart([("Section", figures)])
    loop = Template(
        "{% load i18n l10n %}{% localize off %}{% for bar in chart.bars %}"
        '<text class="report-chart__label" x="{{ chart.labels|add:-8 }}" y="{{ bar.y|add:15 }}" '
        'text-anchor="end" dominant-baseline="central">{{ bar.figure.label }}</text>'
        "{% if bar.figure.percent is None %}"
        '<text class="report-chart__value report-chart__value--none" x="{{ chart.labels|add:6 }}" '
        'y="{{ bar.y|add:15 }}" dominant-baseline="central">{% translate "no data" %}</text>'
        "{% else %}"
        '<rect class="report-chart__bar{% if bar.figure.warn %} report-chart__bar--warn{% endif %}" '
        'x="{{ chart.labels }}" y="{{ bar.y|add:5 }}" width="{{ bar.width }}" '
        'height="{{ chart.bar_height }}"/><text class="report-chart__value" x="{{ bar.text_x }}" '
        'y="{{ bar.y|add:15 }}" dominant-baseline="central">{{ bar.figure.percent|floatformat:1 }}%'
        "</text>{% endif %}{% endfor %}{% endlocalize %}"
    ).render(Context({"chart": drawn}))
    assert re.sub(r">\s+<", "><", report_tables.chart_bars(drawn)).strip() == loop
    assert "Warned &lt;i&gt;" in loop
    assert "report-chart__bar--warn" in loop
    assert "report-chart__value--none" in loop


def test_report_rows_escape_labels_and_show_no_data():
    html = report_tables.report_rows(_figures())
    assert "A &amp; &lt;b&gt;" in html
    assert '<td class="report-table__number">75.0%</td>' in html
    assert '<span class="muted">no data</span>' in html
    assert html.count("<tr>") == 3


def test_filter_form_lists_the_shown_therapists_as_the_queryset_would(db):
    admin = MembershipFactory(role=Membership.Role.ADMIN)
    active = MembershipFactory(practice=admin.practice, role=Membership.Role.THERAPIST)
    MembershipFactory(practice=admin.practice, role=Membership.Role.THERAPIST, is_active=False)
    queried = ReportFilterForm(therapists=report_therapists(admin), everyone_label="All")
    listed = ReportFilterForm(
        therapists=report_therapists(admin),
        everyone_label="All",
        shown=report_therapist_choices(admin),
    )
    assert str(listed["therapist"]) == str(queried["therapist"])
    assert str(active.public_id) in str(listed["therapist"])
    assert "(no longer active)" in str(listed["therapist"])


def test_rule_sentences_match_the_blocktranslate_they_stand_in_for():
    rules = OutcomeConfig(
        depression=MeasureRule("PHQ-9", Threshold(Comparator.GE, 10), Threshold(Comparator.GT, 6)),
        anxiety=MeasureRule("GAD-7", Threshold(Comparator.LT, 8), Threshold(Comparator.LE, 4)),
    )
    loop = Template(
        "{% load i18n %}{% with dep=rules.depression anx=rules.anxiety %}"
        "{% blocktranslate with dep_code=dep.code dep_cmp=dep.caseness.comparator "
        "dep_value=dep.caseness.value anx_code=anx.code anx_cmp=anx.caseness.comparator "
        "anx_value=anx.caseness.value %}At caseness at start: first {{ dep_code }} {{ dep_cmp }} "
        "{{ dep_value }}, or first {{ anx_code }} {{ anx_cmp }} {{ anx_value }}, from whichever "
        "first scores there are. Recovery: at caseness at start, and neither last score at "
        "caseness.{% endblocktranslate %}|{% blocktranslate with dep_code=dep.code "
        "dep_cmp=dep.reliable_change.comparator dep_value=dep.reliable_change.value "
        "anx_code=anx.code anx_cmp=anx.reliable_change.comparator "
        "anx_value=anx.reliable_change.value %}Reliable change: a change {{ dep_cmp }} "
        "{{ dep_value }} on {{ dep_code }}, {{ anx_cmp }} {{ anx_value }} on {{ anx_code }}. "
        "Reliable improvement: a reliable fall on either and a reliable rise on neither. "
        "Reliable deterioration: a reliable rise on either. Reliable recovery: recovery and "
        "reliable improvement.{% endblocktranslate %}{% endwith %}"
    ).render(Context({"rules": rules}))
    written = Template(
        '{% load report_tables %}{% rule_sentence rules "caseness" %}|'
        '{% rule_sentence rules "reliable_change" %}'
    ).render(Context({"rules": rules}))
    assert written == loop
    assert "first GAD-7 &lt; 8" in written


def test_filter_fields_match_the_template_loop(db):
    admin = MembershipFactory(role=Membership.Role.ADMIN)
    MembershipFactory(practice=admin.practice, role=Membership.Role.THERAPIST)
    loop = Template(
        "{% for field in form %}\n"
        '      <div class="field{% if field.errors %} field--error{% endif %}">\n'
        '        <label for="{{ field.id_for_label }}">{{ field.label }}</label>{{ field }}\n'
        '        {% if field.errors %}<ul class="errorlist" id="{{ field.auto_id }}_error">'
        "{% for error in field.errors %}<li>{{ error }}</li>{% endfor %}</ul>{% endif %}\n"
        "      </div>\n    {% endfor %}"
    )
    tag = Template("{% load report_tables %}{% filter_fields form %}")
    for data in (None, {"ended_from": "2026-05-01", "ended_to": "2026-01-01", "therapist": "x"}):
        form = ReportFilterForm(
            data,
            therapists=report_therapists(admin),
            everyone_label="All <practice>",
            shown=report_therapist_choices(admin),
        )
        form.is_valid()
        context = Context({"form": form})
        assert tag.render(context) == loop.render(context)
    assert "field--error" in tag.render(context)


def test_coverage_rows_match_the_template_loop():
    coverage = (Coverage("initial", 3, 2), Coverage("middle", 0, 0), Coverage("ending", 7, 1))
    loop = Template(
        "{% load i18n %}{% for row in rating_coverage %}\n"
        '      <tr><th scope="row">{% if row.phase == "initial" %}{% translate "Initial" %}'
        '{% elif row.phase == "middle" %}{% translate "Middle" %}{% else %}'
        '{% translate "Ending" %}{% endif %}</th>\n'
        "        <td>{{ row.courses }}</td><td>{{ row.rated }}</td>\n"
        "        <td>{% if row.share is None %}\N{EN DASH}{% else %}"
        "{% widthratio row.rated row.courses 100 %}%{% endif %}</td></tr>\n    {% endfor %}"
    ).render(Context({"rating_coverage": coverage}))
    assert report_tables.coverage_rows(coverage) == loop
    assert "<td>67%</td>" in loop
    assert "<td>14%</td>" in loop


FUNNEL_LOOP = Template(
    "{% load i18n %}{% for row in funnel_rows %}\n"
    "      <tr><td>{{ row.unit.label }}</td><td>{{ row.unit.denominator }}</td>"
    "<td>{{ row.unit.count }}</td>\n"
    "        <td>{% if row.percent is None %}\N{EN DASH}{% else %}"
    "{{ row.percent|floatformat:1 }}%{% endif %}</td>\n"
    "        <td>{% if row.limits %}{% widthratio row.limits.low_95 1 100 %}\N{EN DASH}"
    "{% widthratio row.limits.high_95 1 100 %}%{% else %}\N{EN DASH}{% endif %}</td>\n"
    "        <td>{% if row.limits %}{% widthratio row.limits.low_998 1 100 %}\N{EN DASH}"
    "{% widthratio row.limits.high_998 1 100 %}%{% else %}\N{EN DASH}{% endif %}</td>\n"
    "        <td>{{ row.position }}</td></tr>\n    {% empty %}\n"
    '      <tr><td colspan="7" class="empty">'
    '{% translate "No finished courses in this period." %}</td></tr>\n    {% endfor %}'
)


def test_funnel_rows_match_the_template_loop():
    rows = [
        FunnelRow(
            funnel.Unit("a", "Dr <A> & co", 2, 3),
            "Within the limits",
            funnel.Limits(3, 0.0512, 0.125, 0.875, 0.9949),
        ),
        FunnelRow(funnel.Unit("b", "Dr B", 0, 0), "No course in the recovery count", None),
    ]
    for given in (rows, []):
        loop = FUNNEL_LOOP.render(Context({"funnel_rows": given}))
        assert report_tables.funnel_rows(given) == loop
    assert "Dr &lt;A&gt; &amp; co" in FUNNEL_LOOP.render(Context({"funnel_rows": rows}))


def test_report_sections_match_the_template_loop():
    sections = [("Activity & <more>", _figures()), ("Outcomes", _figures()[:1])]
    loop = Template(
        "{% load i18n report_tables %}{% for title, items in sections %}\n"
        '<div class="table-wrap">\n<table class="report-table">\n'
        "  <caption>{{ title }}</caption>\n"
        '  <thead><tr><th scope="col">{% translate "Measure" %}</th>'
        '<th scope="col" class="report-table__number">{% translate "Count" %}</th>'
        '<th scope="col" class="report-table__number">{% translate "Out of" %}</th>'
        '<th scope="col" class="report-table__number">{% translate "Rate or value" %}</th>'
        "</tr></thead>\n  <tbody>\n  {% report_rows items %}\n  </tbody>\n</table>\n</div>\n"
        "{% endfor %}"
    ).render(Context({"sections": sections}))
    assert report_tables.report_sections(sections) == loop
    assert "<caption>Activity &amp; &lt;more&gt;</caption>" in loop
