import csv
import io

import pytest
from django.urls import reverse

from patternwork.audit.models import AuditEvent
from patternwork.clinic.views.reports import COURSE_COLUMNS
from patternwork.reports.selectors import service_report_for
from tests.reports.builders import Spec, build_course

URL = reverse("clinic:course-outcomes-csv")
RECOVERED = [(15, 10), (4, 3)]
STUCK = [(15, 10), (15, 10)]
WORSE = [(5, 4), (12, 9)]


def rows_of(response):
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    header, *rows = csv.reader(io.StringIO(text[1:]))
    return header, [dict(zip(header, row, strict=True)) for row in rows]


@pytest.fixture
def courses(therapist, other_therapist, foreign_therapist):
    return {
        "recovered": build_course(therapist, Spec(RECOVERED, dna=1, extras=("wsas",))),
        "stuck": build_course(other_therapist, Spec(STUCK)),
        "worse": build_course(therapist, Spec(WORSE)),
        "open": build_course(therapist, Spec(RECOVERED, ended_on=None)),
        "foreign": build_course(foreign_therapist, Spec(RECOVERED)),
    }


def test_one_row_per_finished_course_with_its_outcome(client, login, admin, courses):
    login(admin)

    response = client.get(URL)

    assert response["Content-Disposition"] == (
        'attachment; filename="course-outcomes-northgate-start-to-now.csv"'
    )
    header, rows = rows_of(response)
    assert header == list(COURSE_COLUMNS)
    by_course = {row["course_id"]: row for row in rows}
    assert set(by_course) == {
        str(courses[name].public_id) for name in ("recovered", "stuck", "worse")
    }
    recovered = by_course[str(courses["recovered"].public_id)]
    assert recovered == {
        "course_id": str(courses["recovered"].public_id),
        "client_number": courses["recovered"].client.client_number,
        "therapist": "Dr Ada Therapist",
        "referral_received": "2024-12-02",
        "first_session": "2025-01-06",
        "ended_on": "2025-06-30",
        "end_reason": "completed",
        "attended_sessions": "2",
        "did_not_attend": "1",
        "wait_days": "35",
        "phq9_first": "15",
        "phq9_last": "4",
        "phq9_change": "improved",
        "gad7_first": "10",
        "gad7_last": "3",
        "gad7_change": "improved",
        "wsas_first": "30",
        "wsas_last": "",
        "paired": "yes",
        "caseness_at_start": "yes",
        "recovered": "yes",
        "reliable_improvement": "yes",
        "reliable_deterioration": "no",
        "reliable_recovery": "yes",
        "counts_for_recovery": "yes",
        "risk_flags": "0",
        "risk_flags_open": "0",
        "date_problems": "",
    }
    worse = by_course[str(courses["worse"].public_id)]
    assert (worse["phq9_change"], worse["gad7_change"], worse["caseness_at_start"]) == (
        "deteriorated",
        "deteriorated",
        "no",
    )
    # Recovery does not apply to a course that was not at caseness: empty, not "no".
    assert (worse["recovered"], worse["counts_for_recovery"]) == ("", "no")


def test_the_rows_add_up_to_the_report(client, login, admin, courses):
    login(admin)

    _header, rows = rows_of(client.get(URL))

    report = service_report_for(admin)
    in_recovery = [row for row in rows if row["counts_for_recovery"] == "yes"]
    assert (sum(row["recovered"] == "yes" for row in in_recovery), len(in_recovery)) == (
        report.outcomes.recovery.count,
        report.outcomes.recovery.denominator,
    )
    assert sum(row["reliable_improvement"] == "yes" for row in rows) == (
        report.outcomes.reliable_improvement.count
    )
    assert sum(row["reliable_deterioration"] == "yes" for row in rows) == (
        report.outcomes.reliable_deterioration.count
    )
    assert len(rows) == report.finished
    waits = [int(row["wait_days"]) for row in rows if row["wait_days"]]
    assert (len(waits), sum(waits)) == (report.waits.count, report.waits.total_days)


def test_the_download_follows_the_filters_and_is_audited(client, login, admin, therapist, courses):
    login(admin)

    response = client.get(URL, {"therapist": str(therapist.public_id), "ended_to": "2025-12-31"})

    _header, rows = rows_of(response)
    assert len(rows) == 2
    event = AuditEvent.objects.get(action="report.export")
    assert (event.object_id, event.actor, event.changes["therapist"]) == (
        "course-outcomes",
        admin.user,
        str(therapist.public_id),
    )


def test_a_supervisor_gets_their_scope_only(client, login, supervisor, courses):
    login(supervisor)

    _header, rows = rows_of(client.get(URL))

    assert {row["therapist"] for row in rows} == {"Dr Ada Therapist"}
    assert len(rows) == 2


def test_a_therapist_is_refused_and_another_practices_therapist_is_not_a_choice(
    client, login, therapist, admin, foreign_therapist
):
    login(therapist)
    assert client.get(URL).status_code == 403

    login(admin)
    response = client.get(URL, {"therapist": str(foreign_therapist.public_id)})

    assert response.status_code == 400
    assert not AuditEvent.objects.filter(action="report.export").exists()


def test_a_text_cell_is_never_a_formula(client, login, admin, therapist):
    therapist.user.full_name = "=HYPERLINK(1)"
    therapist.user.save(update_fields=["full_name"])
    build_course(therapist, Spec(RECOVERED))
    login(admin)

    _header, rows = rows_of(client.get(URL))

    assert rows[0]["therapist"] == "'=HYPERLINK(1)"


def test_the_download_is_a_fixed_number_of_queries(
    client, login, admin, therapist, django_assert_num_queries
):
    login(admin)
    build_course(therapist, Spec(RECOVERED))
    with django_assert_num_queries(12):
        assert len(rows_of(client.get(URL))[1]) == 1
    for _ in range(20):
        build_course(therapist, Spec(STUCK))

    with django_assert_num_queries(9):
        assert len(rows_of(client.get(URL))[1]) == 21
