"""The measures chart, score table and outcome sentence on the course page."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from patternwork.measures import services
from patternwork.measures.models import RiskFlag
from patternwork.treatment import services as treatment
from tests.answers import gad, phq, wsas
from tests.course_fixtures import (
    MEASURED_NOW,
    NOT_FINISHED,
    RECOVERED,
    TEN_DESCRIPTION,
    measured_course,
    weekly,
)
from tests.course_fixtures import attend as attend_sessions
from tests.course_fixtures import new_course as start_course
from tests.factories import ClientFactory, CourseFactory

# The clock of the `frozen` fixture.
NOW = MEASURED_NOW

pytestmark = pytest.mark.usefixtures("frozen")

# The en dash of a range ("0-9") and of an empty table cell.
DASH = "\N{EN DASH}"


def page(client, course):
    return client.get(reverse("clinic:course-detail", args=[course.public_id]))


def measures_card(response) -> str:
    html = response.content.decode()
    start = html.index('<section class="card" aria-labelledby="measures-heading">')
    return html[start : html.index("</section>", start)]


def text(fragment: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", fragment).split())


@pytest.fixture
def finished(db, finished_built_once):
    """The measured course, ended with its risk answer open
    (course_fixtures.finished_measured_course), built once for the module; what a test
    changes is rolled back with its savepoint."""
    return finished_built_once.course()


def test_course_page_shows_the_chart_the_table_and_the_outcome(client, login, therapist, finished):
    login(therapist)

    card = measures_card(page(client, finished))

    assert f"<strong>Outcome:</strong> {RECOVERED}</p>" in card
    assert 'role="img" aria-labelledby="measures-chart-title measures-chart-desc"' in card
    assert '<title id="measures-chart-title">PHQ-9, GAD-7 and WSAS by session</title>' in card
    assert f'<desc id="measures-chart-desc">{TEN_DESCRIPTION}</desc>' in card
    chart = card[card.index('<svg class="score-chart"') : card.index("</svg>")]
    assert chart.count('<circle class="score-chart__point"') == 10
    assert chart.count('<path class="score-chart__point"') == 10
    assert chart.count('<polyline class="score-chart__line"') == 2
    assert chart.count('<polygon class="score-chart__risk" points="216,22 223,36 209,36"') == 1
    assert chart.count('stroke-dasharray="6 4"') == 2
    assert text(card[card.index("<table") : card.index("</table>")]).startswith(
        "Scores by session Session Date PHQ-9 GAD-7 WSAS Risk answer "
        f"1 2 Mar 2026 18 Moderately severe 12 Moderate {DASH} none "
        f"2 9 Mar 2026 17 Moderately severe 12 Moderate {DASH} none "
        f"3 16 Mar 2026 15 Moderately severe 11 Moderate {DASH} PHQ-9 item 9: Several days (1) "
        "flag open "
    )
    assert card.count('<th scope="row">') == 10
    assert text(card).count("caseness ≥ 10") == 1


def test_chart_is_drawn_without_inline_styles_or_scripts(client, login, therapist, finished):
    login(therapist)

    card = measures_card(page(client, finished))

    assert re.findall(r"\sstyle=|<style|<script|\son[a-z]+=", card) == []


def test_open_course_says_it_is_not_finished(client, login, therapist):
    course = measured_course(therapist)
    login(therapist)

    response = page(client, course)

    assert response.context["measures"].sentence == RECOVERED + NOT_FINISHED
    assert f"<strong>Outcome:</strong> {RECOVERED}{NOT_FINISHED}</p>" in measures_card(response)


def test_course_without_scores_says_so_instead_of_an_empty_chart(client, login, therapist):
    client_record = ClientFactory(practice=therapist.practice, therapist=therapist)
    course = CourseFactory(client=client_record)
    login(therapist)

    card = measures_card(page(client, course))

    assert "<svg" not in card
    assert text(card) == (
        "Measures and outcome Outcome: Not paired: fewer than two PHQ-9 and GAD-7 scores."
        + NOT_FINISHED
        + " No PHQ-9, GAD-7 or WSAS scores at attended sessions yet. Scores by session Session "
        "Date PHQ-9 GAD-7 WSAS Risk answer No attended sessions yet."
    )


def test_page_queries_do_not_grow_with_the_number_of_scored_sessions(
    client, login, therapist, django_assert_num_queries
):
    few = start_course(therapist, planned=16, start=dt.date(2026, 2, 2), name="Few Sessions")
    many = start_course(therapist, planned=16, start=dt.date(2026, 2, 3), name="Many Sessions")
    for course, count in ((few, 2), (many, 12)):
        for appointment in attend_sessions(course, therapist, count):
            services.record_responses(
                source="clinic",
                appointment=appointment,
                answers=[phq(12, item9=1), gad(9)],
                by=therapist,
            )
    login(therapist)
    page(client, few)

    # 18: the course's appointments are read once for the timeline, the chart and the
    # outcome; the page also reads the client's consent to recording.
    with django_assert_num_queries(18):
        small = page(client, few)
    with django_assert_num_queries(18):
        large = page(client, many)

    assert (len(small.context["measures"].rows), len(large.context["measures"].rows)) == (2, 12)


def test_supervisor_of_the_therapist_sees_the_chart(client, login, supervisor, finished):
    login(supervisor)

    response = page(client, finished)

    assert response.context["measures"].sentence == RECOVERED


def test_admin_without_clinical_access_sees_the_course_but_not_the_scores(
    client, login, admin, finished
):
    login(admin)

    response = page(client, finished)

    assert response.status_code == 200
    assert response.context["measures"] is None
    assert "measures-heading" not in response.content.decode()


@pytest.mark.parametrize("outsider", ["other_therapist", "foreign_therapist", "foreign_admin"])
def test_course_of_another_therapist_or_practice_is_not_found(
    client, login, finished, outsider, request
):
    login(request.getfixturevalue(outsider))

    response = page(client, finished)

    assert response.status_code == 404
    assert "measures-chart" not in response.content.decode()


def test_assessment_missed_session_and_acknowledged_answers_read_in_words(client, login, therapist):
    record = ClientFactory(practice=therapist.practice, therapist=therapist)
    course = CourseFactory(client=record)
    assessment = treatment.record_past_session(
        course=course,
        start=dt.datetime(2026, 2, 23, 10, 0, tzinfo=dt.UTC),
        minutes=50,
        kind="assessment",
        status="attended",
        actor=therapist,
    )
    services.record_responses(
        source="clinic", appointment=assessment, answers=[phq(20, item9=1), gad(13)], by=therapist
    )
    services.acknowledge_flag(
        flag=RiskFlag.objects.get(course=course), note="Safety plan agreed.", actor=therapist
    )
    course = treatment.start_course(course=course, values=weekly(10), actor=therapist)
    first, second = attend_sessions(course, therapist, 3)[1:]
    services.record_responses(
        source="clinic", appointment=first, answers=[phq(9), gad(7)], by=therapist
    )
    services.record_responses(
        source="clinic", appointment=second, answers=[phq(8, item9=1)], by=therapist
    )
    treatment.mark_did_not_attend(appointment=second, actor=therapist)
    login(therapist)

    card = measures_card(page(client, course))

    table = text(card[card.index("<table") : card.index("</table>")])
    assert table == (
        "Scores by session Session Date PHQ-9 GAD-7 WSAS Risk answer "
        f"Assessment 23 Feb 2026 20 Severe 13 Moderate {DASH} PHQ-9 item 9: Several days (1) "
        "acknowledged "
        f"1 2 Mar 2026 9 Mild 7 Mild {DASH} none "
        "Not a session 9 Mar 2026 PHQ-9 item 9: Several days (1) flag open"
    )
    assert ">A</text>" in card
    assert "Session (A: assessment)</text>" in card
    # The assessment's scores are charted but never paired: one GAD-7 at a session is no pair.
    assert (
        "<strong>Outcome:</strong> Not paired: fewer than two PHQ-9 and GAD-7 scores."
        + NOT_FINISHED
        + "</p>"
    ) in card


def test_course_page_charts_and_tables_wsas_with_its_bands(client, login, therapist, finished):
    for number, per_item in ((1, 5), (10, 2)):
        services.record_responses(
            source="clinic",
            appointment=finished.appointments.get(session_number=number),
            answers=[wsas(per_item)],
            by=therapist,
        )
    login(therapist)

    card = measures_card(page(client, finished))

    chart = card[card.index('<svg class="score-chart"') : card.index("</svg>")]
    panel = chart[chart.index("score-chart__panel--3") :]
    assert '<text class="score-chart__panel-label" x="56" y="344">WSAS</text>' in panel
    assert panel.count('<path class="score-chart__point" d="M') == 2
    assert 'd="M88.0 427 m0 -6 l6 6 l-6 6 l-6 -6 z"' in panel
    assert 'd="M664.0 502 m0 -6 l6 6 l-6 6 l-6 -6 z"' in panel
    assert panel.count('<line class="score-chart__score-band"') == 2
    assert [text(label) for label in re.findall(r"score-band-label[^>]*>([^<]*)<", panel)] == [
        f"0{DASH}9",
        f"10{DASH}20",
        f"21{DASH}40",
    ]
    assert (
        f"WSAS bands: 0{DASH}9 subclinical; 10{DASH}20 significant functional impairment with less "
        f"severe symptoms; 21{DASH}40 moderately severe or worse psychopathology"
    ) in text(card)
    rows = text(card[card.index("<tbody>") : card.index("</tbody>")])
    assert rows.startswith(
        "1 2 Mar 2026 18 Moderately severe 12 Moderate 25 Moderately severe or worse "
        f"psychopathology none 2 9 Mar 2026 17 Moderately severe 12 Moderate {DASH} none "
    )
    assert rows.endswith(
        "10 4 May 2026 7 Mild 5 Mild 10 Significant functional impairment with less severe "
        "symptoms none"
    )
    assert f"<strong>Outcome:</strong> {RECOVERED}</p>" in card
