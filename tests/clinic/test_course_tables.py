"""The course and session pages' rows written by tags: escaped, and links as {% url %}."""

import uuid
from types import SimpleNamespace

from django.urls import reverse

from patternwork.clinic.templatetags.course_tables import (
    id_url,
    session_episodes,
    timeline_rows,
    trend_rows,
)
from patternwork.formulation.selectors import PhaseCount, TrendRow


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
        person=SimpleNamespace(label="<i>Mum</i>"),
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
