"""The course and session pages' rows written by tags: escaped, and links as {% url %}."""

import uuid
from datetime import date, datetime, time
from types import SimpleNamespace

from django.template import Context, Template
from django.template.defaultfilters import truncatechars
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from patternwork.clinic.templatetags.clinic import score_chart_key
from patternwork.clinic.templatetags.course_tables import (
    choice_label,
    day_and_time,
    day_month_year,
    day_month_year_of,
    id_url,
    milestone_items,
    plan_details,
    session_episodes,
    timeline_rows,
    trend_rows,
    truncated,
)
from patternwork.formulation.selectors import PhaseCount, TrendRow
from patternwork.treatment.models import Course
from patternwork.treatment.plan import phase_bounds


def test_timeline_rows_escape_what_people_typed():
    row = {
        "url": "/appointments/x/",
        "when": "Mon 5 Oct 2026, 14:00",
        "minutes": 50,
        "kind": "treatment",
        "expected_number": None,
        "session_number": 3,
        "phase": "initial",
        "phase_label": "Initial phase",
        "status": "cancelled",
        "status_label": "Cancelled",
        "reason": '<script>alert("x")</script>',
        "has_note": False,
    }

    html = timeline_rows([row], True)

    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_session_episodes_escape_the_account_and_the_person():
    episode = SimpleNamespace(
        public_id=uuid.uuid4(),
        with_therapist=False,
        person_label="<i>Mum</i>",
        account="<img src=x onerror=alert(1)>" + "a" * 200,
        showed_in_session=True,
    )

    html = session_episodes([episode])

    assert "<img" not in html
    assert "<i>" not in html
    assert "&lt;i&gt;Mum&lt;/i&gt;" in html
    assert reverse("clinic:episode-detail", args=[episode.public_id]) in html


def test_trend_rows_escape_the_category_label():
    html = trend_rows([TrendRow("Wanted", "<b>close</b>", [("initial", PhaseCount(1, 2))])])

    assert html == ('<tr><th scope="row">Wanted: &lt;b&gt;close&lt;/b&gt;</th><td>1/2</td></tr>')


def test_id_url_is_the_url_tags_url():
    public_id = uuid.uuid4()

    for name in ("clinic:course-detail", "clinic:appointment-detail", "clinic:ipaf"):
        assert id_url(name, public_id) == reverse(name, args=[public_id])
    assert id_url("clinic:course-detail", str(public_id)) == reverse(
        "clinic:course-detail", args=[public_id]
    )


def test_truncated_cuts_as_the_truncatechars_filter():
    texts = [
        "",
        "a" * 119,
        "a" * 120,
        "a" * 121,
        "word " * 60,
        "café " * 40,
        "e\u0301" * 130,
        "<b>" * 50,
    ]
    for text in texts:
        for length in (1, 2, 120):
            assert truncated(text, length) == truncatechars(text, length), (text, length)


def test_day_and_time_writes_what_date_format_writes():
    for language in ("en-gb", "fr", "de"):
        with translation.override(language):
            for month in range(1, 13):
                for value in (datetime(2026, month, 1, 9, 5), datetime(987, month, 28, 23, 59)):
                    assert day_and_time(value) == date_format(value, "D j M Y, H:i")


def test_day_month_year_writes_what_date_format_writes():
    for language in ("en-gb", "fr", "de"):
        with translation.override(language):
            for month in range(1, 13):
                for value in (datetime(2026, month, 1, 9, 5), datetime(987, month, 28, 23, 59)):
                    assert day_month_year(value) == date_format(value, "j M Y")


def test_milestone_items_escape_the_label_and_detail():
    milestone = SimpleNamespace(state="overdue", label="IPAF <agreed>", detail='by "5"')

    html = milestone_items([milestone])

    assert html == (
        '\n      <li><span class="tag tag--danger">Overdue</span> IPAF &lt;agreed&gt;'
        ' <span class="muted">· by &quot;5&quot;</span></li>\n    '
    )


# The plan's terms as the course page's template wrote them before the tag.
PLAN_TEMPLATE = Template(
    "{% load i18n %}"
    '<dt>{% translate "Sessions" %}</dt><dd>{{ course.planned_sessions }}, '
    "{{ course.get_cadence_display|lower }}, {{ course.session_minutes }} "
    '{% translate "minutes" %}{% if course.start_time %}, {{ course.start_time|time:"H:i" }}'
    "{% endif %}</dd>\n"
    '      <dt>{% translate "Phases" %}</dt><dd>{% translate "initial" %} '
    "{{ view.bounds.initial.first }}\N{EN DASH}{{ view.bounds.initial.last }}, "
    '{% translate "middle" %} {{ view.bounds.middle.first }}\N{EN DASH}{{ view.bounds.middle.last }}, '
    '{% translate "ending" %} {{ view.bounds.ending.first }}\N{EN DASH}{{ view.bounds.ending.last }}'
    "</dd>\n"
    '      <dt>{% translate "First session" %}</dt><dd>{{ course.start_date|date:"j M Y"'
    '|default:"\N{EN DASH}" }}</dd>\n'
    '      {% if view.projection %}<dt>{% translate "Projected last session" %}</dt><dd>'
    '{{ view.projection.end_date|date:"D j M Y" }}</dd>{% endif %}\n'
    '      <dt>{% translate "Goodbye letter shared in" %}</dt><dd>{% translate "session" %} '
    "{{ view.share_session }}</dd>"
)


def test_plan_details_write_what_the_template_wrote():
    for language in ("en-gb", "fr", "de"):
        with translation.override(language):
            for start_time, start_date, end_date, cadence in (
                (time(9, 5), date(2026, 3, 2), date(2026, 6, 22), "weekly"),
                (None, None, None, "fortnightly"),
                # A value that is not a choice is written as it is, escaped.
                (None, None, None, "Weekly <b>"),
            ):
                course = Course(
                    planned_sessions=16,
                    cadence=cadence,
                    session_minutes=50,
                    start_time=start_time,
                    start_date=start_date,
                )
                view = SimpleNamespace(
                    bounds=phase_bounds(16),
                    projection=SimpleNamespace(end_date=end_date) if end_date else None,
                    share_session=14,
                )
                expected = PLAN_TEMPLATE.render(Context({"course": course, "view": view}))
                assert plan_details(course, view) == expected


def test_score_chart_key_names_over_plan_only_when_a_session_ran_over():
    def measures(bands):
        return SimpleNamespace(chart=SimpleNamespace(bands=bands), bands=())

    within = score_chart_key(measures((1, 2, 3)))
    over = score_chart_key(measures((1, 2, 3, 4)))

    assert "score-chart-legend__swatch--over_plan" not in within
    assert "score-chart-legend__swatch--over_plan" in over
    assert over.startswith('<ul class="score-chart-legend">')
    assert over.endswith("Every score is in the table below.</p>")


def test_choice_label_is_the_display_method_in_each_language():
    for language in ("en-gb", "fr", "de"):
        with translation.override(language):
            for state in (*Course.State.values, "not <a> state"):
                course = Course(state=state)
                assert choice_label(course, "state") == course.get_state_display()


def test_day_month_year_of_writes_what_the_date_filter_writes():
    template = Template('{{ value|date:"j M Y" }}')
    for language in ("en-gb", "fr", "de"):
        with translation.override(language):
            for value in (date(2026, 5, 1), date(987, 12, 28), None, "", datetime(2026, 5, 1, 9)):
                assert day_month_year_of(value) == template.render(Context({"value": value}))
