import datetime as dt
from pathlib import Path

import pytest

from patternwork.accounts.models import ClosureDay
from patternwork.audit.models import AuditEvent
from patternwork.clients.models import Client, Referral
from patternwork.interop import caseload as importer
from patternwork.interop.caseload_file import RowError
from patternwork.interop.fhir import patient_everything
from patternwork.measures.models import OutcomeSummary, Response, RiskFlag, TrackFlag
from patternwork.treatment.models import Appointment, Course
from tests.factories import AppointmentFactory, ClientFactory, CourseFactory
from tests.fhir_checks import validate_bundle
from tests.interop.caseload_rows import (
    appointment_row,
    client_row,
    row_number,
    score_row,
    to_csv,
)

pytestmark = pytest.mark.usefixtures("frozen")
TEMPLATE = (
    Path(__file__).resolve().parents[2] / "patternwork/interop/static/interop/caseload_template.csv"
)
WRITTEN_MODELS = (Client, Referral, Course, Appointment, Response, OutcomeSummary)


def counts():
    return {model.__name__: model.objects.count() for model in WRITTEN_MODELS}


def run(practice, admin, caseload_rows, *, dry_run=False):
    return importer.import_caseload(
        practice=practice, data=to_csv(caseload_rows), actor=admin, dry_run=dry_run
    )


@pytest.fixture
def broken(caseload_rows):
    """The 200-row file with three broken rows, and what each breaks."""
    caseload_rows = [dict(row) for row in caseload_rows]
    bad_total = next(
        r for r in caseload_rows if r["external_id"] == "OLD-0003" and r["record"] == "score"
    )
    bad_total["total"] = "30"
    unknown = next(
        r for r in caseload_rows if r["external_id"] == "OLD-0007" and r["record"] == "client"
    )
    unknown["therapist_email"] = "nobody@example.test"
    # OLD-0012 (Wednesday 11:00) booked at OLD-0010's Monday 11:00 slot: same therapist.
    clash = next(
        r for r in caseload_rows if r["external_id"] == "OLD-0012" and r["record"] == "appointment"
    )
    clash.update(date="2026-04-06", time="11:00")
    return caseload_rows, {
        (row_number(caseload_rows, bad_total), "total"),
        (row_number(caseload_rows, unknown), "therapist_email"),
        (row_number(caseload_rows, clash), "date"),
    }


def test_a_file_with_three_broken_rows_writes_nothing_and_lists_exactly_those(
    practice, admin, broken
):
    caseload_rows, expected = broken
    before = counts()

    result = run(practice, admin, caseload_rows)

    assert len(caseload_rows) == 200
    assert {(error.row, error.column) for error in result.errors} == expected
    assert len(result.errors) == 3
    assert not result.written
    assert counts() == before
    event = AuditEvent.objects.get()
    assert (event.action, event.outcome, event.changes["errors"]) == (
        "caseload.import",
        "failure",
        3,
    )
    # Each error says what is wrong.
    messages = {error.column: error.message for error in result.errors}
    assert messages["total"] == "A PHQ-9 total is a whole number from 0 to 27."
    assert messages["therapist_email"] == importer.UNKNOWN_THERAPIST
    assert messages["date"].startswith("The appointment on Mon 6 Apr 2026 11:00-11:50 clashes")
    assert "Imported Person 10" in messages["date"]


def test_the_fixed_file_imports_once_and_again_changes_nothing(
    practice, admin, therapist, caseload_rows
):
    result = run(practice, admin, caseload_rows)

    assert result.errors == []
    assert result.counts() == {
        "rows": 200,
        "errors": 0,
        "clients": 20,
        "sessions": 60,
        "appointments": 60,
        "scores": 120,
        "kept": 0,
    }
    assert Client.objects.filter(practice=practice).exclude(external_id="").count() == 20
    assert Course.objects.filter(state=Course.State.ACTIVE).count() == 20
    assert Appointment.objects.filter(status="attended", session_number__isnull=False).count() == 60
    assert Appointment.objects.filter(status="booked").count() == 60
    assert Response.objects.filter(source="import", status="complete").count() == 120
    after_first = counts()
    audit_before = AuditEvent.objects.count()

    again = run(practice, admin, caseload_rows)

    assert again.errors == []
    assert (len(again.created), len(again.kept)) == (0, 20)
    assert counts() == after_first
    assert AuditEvent.objects.count() == audit_before + 1
    assert AuditEvent.objects.latest("id").changes["kept"] == 20


def test_an_imported_client_carries_their_course_scores_and_outcome(practice, admin, therapist):
    caseload_rows = [
        client_row("A1", "Jo Imported", therapist=therapist.user.email, weekday="Tue"),
        score_row("A1", "2026-03-03", "PHQ-9", 17),
        score_row("A1", "2026-03-03", "GAD-7", 13),
        score_row("A1", "2026-03-10", "PHQ-9", 9, time="11:30"),
        score_row("A1", "2026-03-10", "GAD-7", 7, time="11:30"),
        appointment_row("A1", "2026-04-07"),
        appointment_row("A1", "2026-04-14", time="09:00"),
    ]

    result = run(practice, admin, caseload_rows)

    assert result.errors == []
    client = Client.objects.get(external_id="A1")
    assert (client.full_name, client.therapist, client.practice) == (
        "Jo Imported",
        therapist,
        practice,
    )
    course = client.courses.get()
    assert (course.state, course.planned_sessions, course.start_date, course.start_time) == (
        "active",
        16,
        dt.date(2026, 3, 3),
        dt.time(10, 0),
    )
    assert course.referral.received_at.date() == dt.date(2026, 1, 5)
    sessions = list(course.appointments.order_by("starts_at"))
    local = [
        (a.starts_at.astimezone(plan_zone(practice)).strftime("%Y-%m-%d %H:%M"), a.status)
        for a in sessions
    ]
    assert local == [
        ("2026-03-03 10:00", "attended"),
        ("2026-03-10 11:30", "attended"),
        ("2026-04-07 10:00", "booked"),
        ("2026-04-14 09:00", "booked"),
    ]
    assert [a.session_number for a in sessions] == [1, 2, None, None]
    summary = OutcomeSummary.objects.get(course=course)
    assert (summary.phq9_first, summary.phq9_last, summary.gad7_first, summary.gad7_last) == (
        17,
        9,
        13,
        7,
    )
    assert summary.referral_received_on == dt.date(2026, 1, 5)
    assert summary.date_problems == ""
    phq = Response.objects.get(appointment=sessions[0], instrument="PHQ-9")
    assert (phq.total, phq.band, phq.caseness, phq.answers, phq.source) == (
        17,
        "Moderately severe",
        True,
        {},
        "import",
    )
    assert RiskFlag.objects.count() == 0


def test_a_clients_flag_and_summary_follow_their_latest_imported_scores(practice, admin, therapist):
    # Each client's summary and not-on-track flag are refreshed once, after their last
    # row: the flag is judged on the latest imported PHQ-9 only. A rise that a later
    # score undid leaves no flag behind; a course that ends the import off track has one
    # open flag, on its latest score, raised once.
    caseload_rows = [
        client_row("J1", "Up Then Down", therapist=therapist.user.email, weekday="Tue"),
        score_row("J1", "2026-03-03", "PHQ-9", 10),
        score_row("J1", "2026-03-10", "PHQ-9", 17),
        score_row("J1", "2026-03-17", "PHQ-9", 8),
        client_row("J2", "Getting Worse", therapist=therapist.user.email, weekday="Thu"),
        score_row("J2", "2026-03-05", "PHQ-9", 10),
        score_row("J2", "2026-03-12", "PHQ-9", 12),
        score_row("J2", "2026-03-19", "PHQ-9", 17),
    ]

    result = run(practice, admin, caseload_rows)

    assert result.errors == []
    summaries = {
        s.course.client.external_id: (s.phq9_first, s.phq9_last, s.phq9_count, s.attended)
        for s in OutcomeSummary.objects.select_related("course__client")
    }
    assert summaries == {"J1": (10, 8, 3, 3), "J2": (10, 17, 3, 3)}
    flag = TrackFlag.objects.get()
    assert flag.is_open
    assert (flag.course.client.external_id, flag.session, flag.score, flag.first_score) == (
        "J2",
        3,
        17,
        10,
    )
    assert flag.response == Response.objects.get(
        course=flag.course, appointment__session_number=3, instrument="PHQ-9"
    )
    flag_events = AuditEvent.objects.filter(action__startswith="track_flag.")
    assert list(flag_events.values_list("action", flat=True)) == ["track_flag.raise"]


def plan_zone(practice):
    from zoneinfo import ZoneInfo

    return ZoneInfo(practice.time_zone)


def test_without_appointment_rows_the_rest_of_the_plan_is_booked_on_its_weekday(
    practice, admin, therapist
):
    ClosureDay.objects.create(practice=practice, date=dt.date(2026, 4, 16), label="Closed")
    caseload_rows = [
        client_row(
            "B1",
            "Kim Weekly",
            therapist=therapist.user.email,
            weekday="Thursday",
            planned_sessions="8",
        ),
        score_row("B1", "2026-03-26", "PHQ-9", 12),
        score_row("B1", "2026-03-26", "GAD-7", 9),
    ]

    result = run(practice, admin, caseload_rows)

    assert result.errors == []
    course = Course.objects.get(client__external_id="B1")
    booked = [
        a.starts_at.astimezone(plan_zone(practice)).date()
        for a in course.appointments.filter(status="booked").order_by("starts_at")
    ]
    # Seven to go; 16 April is closed, so the series steps over it.
    assert booked == [
        dt.date(2026, 4, 2),
        dt.date(2026, 4, 9),
        dt.date(2026, 4, 23),
        dt.date(2026, 4, 30),
        dt.date(2026, 5, 7),
        dt.date(2026, 5, 14),
        dt.date(2026, 5, 21),
    ]
    assert result.created[0].appointments == 7


def test_a_dry_run_reports_what_it_would_write_and_writes_nothing(
    practice, admin, small_caseload_rows
):
    before = counts()

    result = run(practice, admin, small_caseload_rows, dry_run=True)

    assert result.errors == []
    assert result.counts()["clients"] == 4
    assert not result.written
    assert counts() == before
    event = AuditEvent.objects.get()
    assert (event.action, event.outcome) == ("caseload.check", "success")


def test_every_write_is_audited_in_the_import(practice, admin, therapist):
    caseload_rows = [
        client_row("C1", "Audited Person", therapist=therapist.user.email),
        score_row("C1", "2026-03-02", "PHQ-9", 12),
        appointment_row("C1", "2026-04-06"),
    ]

    run(practice, admin, caseload_rows)

    actions = sorted(AuditEvent.objects.values_list("action", flat=True))
    assert actions == [
        "appointment.book",
        "appointment.record_past",
        "caseload.import",
        "course.start_in_progress",
        "measure.record_total",
        "referral.accepted",
        "referral.create",
    ]
    assert set(AuditEvent.objects.values_list("actor", flat=True)) == {admin.user.pk}
    # The import's own event holds counts, never a client's details.
    event = AuditEvent.objects.get(action="caseload.import")
    assert "Audited Person" not in str(event.changes)


def test_database_checks_list_each_row(practice, admin, therapist, other_practice):
    ClosureDay.objects.create(practice=practice, date=dt.date(2026, 4, 13), label="Closed")
    busy = CourseFactory(client=ClientFactory(practice=practice, therapist=therapist))
    AppointmentFactory(
        course=busy,
        starts_at=dt.datetime(2026, 3, 9, 9, 0, tzinfo=dt.UTC),
        ends_at=dt.datetime(2026, 3, 9, 9, 50, tzinfo=dt.UTC),
        status="attended",
    )
    caseload_rows = [
        client_row("D1", "Dee Checked", therapist=therapist.user.email),
        score_row("D1", "2026-03-02", "PHQ-9", 12),
        score_row("D1", "2026-03-09", "PHQ-9", 11, time="09:00"),
        appointment_row("D1", "2026-04-13"),
        appointment_row("D1", "2026-04-20"),
    ]

    result = run(practice, admin, caseload_rows)

    assert [(e.row, e.column) for e in result.errors] == [(4, "date"), (5, "date")]
    assert "clashes with the appointment of" in result.errors[0].message
    assert result.errors[1].message == "Mon 13 Apr 2026 is a practice closure day (Closed)."


def test_another_practices_therapist_is_unknown(practice, admin, foreign_therapist):
    caseload_rows = [client_row("E1", "Elsewhere Person", therapist=foreign_therapist.user.email)]

    result = run(practice, admin, caseload_rows)

    assert result.errors == [RowError(2, "therapist_email", importer.UNKNOWN_THERAPIST)]


def test_an_external_id_of_another_person_is_refused(practice, admin, therapist):
    ClientFactory(practice=practice, therapist=therapist, external_id="F1", full_name="Someone")
    caseload_rows = [client_row("F1", "Another Person", therapist=therapist.user.email)]

    result = run(practice, admin, caseload_rows)

    assert [(e.row, e.column) for e in result.errors] == [(2, "external_id")]


def test_the_same_external_id_in_another_practice_is_another_client(
    practice, admin, therapist, foreign_therapist
):
    ClientFactory(
        practice=foreign_therapist.practice,
        therapist=foreign_therapist,
        external_id="G1",
        full_name="Same Name",
    )
    caseload_rows = [client_row("G1", "Same Name", therapist=therapist.user.email)]

    result = run(practice, admin, caseload_rows)

    assert (result.errors, len(result.created)) == ([], 1)
    assert Client.objects.filter(external_id="G1").count() == 2


def test_a_header_problem_stops_before_the_database(practice, admin, django_assert_num_queries):
    data = b"record,external_id\nclient,X1\n"

    # The audit event only: its chain head locked, the row, the head moved on.
    with django_assert_num_queries(3):
        result = importer.import_caseload(practice=practice, data=data, actor=admin, dry_run=False)

    assert {e.column for e in result.errors} >= {"full_name", "therapist_email"}
    assert all(e.row == 1 for e in result.errors)


def test_the_shipped_template_imports_for_a_practice(practice, admin, therapist):
    template = TEMPLATE.read_text().replace("therapist@yourpractice.example", therapist.user.email)

    result = importer.import_caseload(
        practice=practice, data=template.encode(), actor=admin, dry_run=False
    )

    assert result.errors == []
    assert [(c.external_id, c.sessions, c.scores, c.appointments) for c in result.created] == [
        ("OLD-0001", 2, 4, 2),
        ("OLD-0002", 1, 2, 15),
    ]


def test_an_imported_record_is_a_valid_fhir_bundle(practice, admin, therapist):
    caseload_rows = [
        client_row("H1", "Fhir Imported", therapist=therapist.user.email),
        score_row("H1", "2026-03-02", "PHQ-9", 12),
        score_row("H1", "2026-03-02", "GAD-7", 9),
        appointment_row("H1", "2026-04-06"),
    ]
    run(practice, admin, caseload_rows)

    bundle = patient_everything(therapist, Client.objects.get(external_id="H1"))

    resources = validate_bundle(bundle)
    totals = [
        r["valueInteger"]
        for r in resources
        if r["resourceType"] == "Observation" and "valueInteger" in r
    ]
    assert sorted(totals) == [9, 12]
