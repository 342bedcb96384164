"""Oversight's table of overdue milestones: every value people typed escaped."""

import uuid
from types import SimpleNamespace

from django.urls import reverse

from patternwork.clinic.caseload_rows import behind_table
from patternwork.treatment.models import Course


def _row(name, number, therapist, *, state=Course.State.ACTIVE, phase="middle"):
    course = SimpleNamespace(
        public_id=uuid.uuid4(), state=state, therapist_name=therapist, planned_sessions=16
    )
    overdue = (SimpleNamespace(overdue_label="Goodbye <letter>"),)
    return SimpleNamespace(
        course=course,
        client=SimpleNamespace(display_name=name, client_number=number),
        overdue=overdue,
        phase=phase,
        attended=9,
    )


def test_behind_table_escapes_names_numbers_therapists_and_tags():
    rows = [
        _row("A & <b>", "C-1 'x'", 'Dr "Q" <i>'),
        _row("Bo", "C-2", 'Dr "Q" <i>', state=Course.State.ENDED),
    ]

    html = behind_table(rows)

    link = reverse("clinic:course-detail", args=[rows[0].course.public_id])
    assert f'<a href="{link}">A &amp; &lt;b&gt;</a>' in html
    assert '<span class="muted">C-1 &#x27;x&#x27;</span>' in html
    assert html.count("<td>Dr &quot;Q&quot; &lt;i&gt;</td>") == 2
    assert html.count("Goodbye &lt;letter&gt;") == 2
    assert "<td>9 of 16 · Middle phase</td>" in html
    assert "<td>9 of 16 · </td>" in html
