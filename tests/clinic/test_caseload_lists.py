"""The caseload's and oversight's lists written in Python give their partials' markup."""

import datetime as dt
import re
import uuid

import pytest
from django.template import Context, Template
from django.template.defaultfilters import date as date_filter
from django.template.loader import render_to_string
from django.utils import timezone

from patternwork.clinic import caseload_rows
from patternwork.measures.flag_selectors import open_flags_listed
from patternwork.measures.track_selectors import not_on_track_for
from patternwork.reports.caseload import CaseloadRow, ClientRef, CourseRef, UpcomingAppointment
from patternwork.treatment import plan
from patternwork.treatment.plan.milestones import Milestone, MilestoneState
from tests.factories import RiskFlagFactory


def _words(html: str) -> list[str]:
    # The same markup, whatever the runs of whitespace between its parts.
    return re.split(r"\s+", str(html).strip())


@pytest.mark.parametrize("discussed", [False, True])
@pytest.mark.parametrize("role", ["therapist", "supervisor"])
def test_the_not_on_track_list_is_its_partials_markup(request, therapist, flagged, discussed, role):
    flagged.client.full_name = 'Jo "<b>" & Co'
    flagged.client.save()
    if discussed:
        flagged.discussed_at = timezone.now()
        flagged.save()
    member = request.getfixturevalue(role)
    rows = not_on_track_for(member)
    assert len(rows) == 1

    written = caseload_rows.not_on_track_list(rows, show_therapist=role != "therapist")
    partial = render_to_string(
        "clinic/partials/not_on_track_list.html", {"not_on_track": rows, "membership": member}
    )
    assert _words(written) == _words(partial)
    assert "&lt;b&gt;" in written
    assert ("Discussed in supervision on" in written) == discussed


def test_no_not_on_track_rows_write_nothing():
    assert caseload_rows.not_on_track_list([], show_therapist=True) == ""


@pytest.mark.parametrize("role", ["therapist", "supervisor"])
def test_the_risk_flag_list_is_its_partials_markup(request, therapist, role):
    for name, text in (("Amy <i>&</i>", "short"), ("Bo 'B'", "x" * 80)):
        RiskFlagFactory(
            response__appointment__course__client__practice=therapist.practice,
            response__appointment__course__client__therapist=therapist,
            response__appointment__course__client__full_name=name,
            item_text=text,
        )
    member = request.getfixturevalue(role)
    flags = list(open_flags_listed(member))
    assert len(flags) == 2

    written = caseload_rows.risk_flag_list(flags, show_therapist=role != "therapist")
    partial = render_to_string(
        "clinic/partials/risk_flags.html", {"flags": flags, "membership": member}
    )
    assert _words(written) == _words(partial)
    assert "&lt;i&gt;" in written


def test_no_risk_flags_write_nothing():
    assert caseload_rows.risk_flag_list([], show_therapist=False) == ""


# The caseload's rows as its template wrote them before they were written in Python.
COURSE_ROWS = Template(
    "{% for row in rows %}<tr>\n"
    '<td><a href="{% url "clinic:course-detail" row.public_id %}">{{ row.name }}</a> '
    '<span class="muted">{{ row.number }}{% if show_therapist %} · {{ row.therapist }}'
    "{% endif %}</span></td>\n"
    '<td data-label="Session">{% if row.active %}{{ row.attended }} of {{ row.planned }}'
    '{% else %}<span class="tag">{{ row.state }}</span>{% endif %}</td>\n'
    '<td data-label="Phase">{{ row.phase }}</td>\n'
    '<td data-label="Next appointment">{% if row.next %}{{ row.next }}'
    '{% else %}<span class="muted">\N{EN DASH}</span>{% endif %}</td>\n'
    '<td data-label="Overdue">{% if row.off_track %}'
    '<span class="tag tag--danger">Not on track</span> {% endif %}'
    '{% for label in row.overdue %}<span class="tag tag--danger">{{ label }}</span> '
    '{% empty %}{% if not row.off_track %}<span class="muted">\N{EN DASH}</span>{% endif %}'
    "{% endfor %}</td>\n</tr>\n{% endfor %}"
)
APPOINTMENT_ROWS = Template(
    "{% for row in rows %}"
    '<li><a href="{% url "clinic:appointment-detail" row.public_id %}">{{ row.when }} '
    '{{ row.name }}</a> <span class="muted">{{ row.number }}{% if show_therapist %} · '
    "{{ row.therapist }}{% endif %}</span>"
    '{% if today or row.status != "booked" %} <span class="status status--{{ row.status }}">'
    "{{ row.status_label }}</span>{% endif %}</li>\n{% endfor %}"
)


def _hostile_rows():
    overdue = (Milestone(plan.IPAF_AGREED, "IPAF", MilestoneState.OVERDUE, ""),)
    moment = dt.datetime(2026, 4, 15, 9, 30, tzinfo=dt.UTC)
    courses = []
    for n, (state, phase) in enumerate(
        [("active", "middle"), ("active", "initial"), ("assessment", "")]
    ):
        course = CourseRef(n, uuid.uuid4(), state, 16, 1, f"Dr <T{n}> & 'Co'")
        client = ClientRef(n, f'Amy "<b>{n}</b>"', "", f"RC-{n}&<")
        courses.append(
            CaseloadRow(course, client, 5, phase, moment if n else None, overdue if n < 2 else ())
        )
    appointments = [
        UpcomingAppointment(uuid.uuid4(), moment, status, ClientRef(n, f"Bo <{n}>", "", "&"), "T")
        for n, status in enumerate(["booked", "attended", "dna"])
    ]
    return courses, appointments, {courses[1].course.pk}


@pytest.mark.parametrize("show_therapist", [False, True])
def test_the_course_table_is_its_templates_markup(show_therapist):
    courses, _appointments, off_track = _hostile_rows()
    rows = caseload_rows.course_rows(courses, off_track)

    written = caseload_rows.course_table(rows, show_therapist=show_therapist)

    assert written == COURSE_ROWS.render(Context({"rows": rows, "show_therapist": show_therapist}))
    assert "Amy &quot;&lt;b&gt;1&lt;/b&gt;&quot;" in written
    # The `date` filter's text, in the current time zone.
    assert rows[1]["next"] == date_filter(timezone.localtime(courses[1].next_start), "D j M, H:i")


@pytest.mark.parametrize("today", [False, True])
@pytest.mark.parametrize("show_therapist", [False, True])
def test_the_appointment_lists_are_their_templates_markup(show_therapist, today):
    _courses, appointments, _off_track = _hostile_rows()
    rows = caseload_rows.appointment_rows(appointments, today=today)
    context = Context({"rows": rows, "show_therapist": show_therapist, "today": today})

    written = caseload_rows.appointment_list(rows, show_therapist=show_therapist, today=today)

    assert written == APPOINTMENT_ROWS.render(context)
    assert "Bo &lt;2&gt;" in written
    starts = timezone.localtime(appointments[0].starts_at)
    assert rows[0]["when"] == date_filter(starts, "H:i" if today else "D j M, H:i")
