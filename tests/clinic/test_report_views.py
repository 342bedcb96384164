import datetime as dt
import random
import re

import pytest
from django.urls import reverse

from patternwork.audit.models import AuditEvent
from patternwork.measures.outcomes import Rate
from patternwork.treatment import plan
from tests.reports.builders import Spec, build_course
from tests.reports.figures import by_code, read_csv

URL = reverse("clinic:service-report")
CSV_URL = reverse("clinic:service-report-csv")
SESSION_BEFORE_REFERRAL_LABEL = plan.DATE_PROBLEM_LABELS[plan.DateProblem.SESSION_BEFORE_REFERRAL]
RECOVERED = [(15, 10), (4, 3)]  # at caseness, recovered, reliably improved
STUCK = [(15, 10), (15, 10)]  # at caseness, no change


@pytest.fixture
def courses(therapist, other_therapist, foreign_therapist):
    build_course(therapist, Spec(RECOVERED, dna=1))
    earlier = Spec(
        STUCK,
        referral_on=dt.date(2023, 11, 27),
        first_on=dt.date(2024, 1, 1),
        ended_on=dt.date(2024, 3, 1),
    )
    build_course(therapist, earlier)
    build_course(other_therapist, Spec(STUCK))
    build_course(foreign_therapist, Spec(RECOVERED))
    build_course(foreign_therapist, Spec(RECOVERED))


def test_admin_sees_the_whole_practice(client, login, admin, courses):
    login(admin)

    response = client.get(URL)

    assert response.status_code == 200
    report = response.context["report"]
    assert (report.referrals, report.started, report.finished) == (3, 3, 3)
    assert report.outcomes.recovery == Rate(1, 3)
    assert report.did_not_attend == Rate(1, 7)
    html = response.content.decode()
    assert '<th scope="row">Recovery</th>' in html
    assert ">33.3%</td>" in html
    assert "Recovery, 33.3% (1 of 3);" in html
    assert 'role="img"' in html


def test_supervisor_sees_themself_and_their_supervisees_only(
    client, login, supervisor, therapist, other_therapist, courses
):
    build_course(supervisor, Spec(RECOVERED))
    login(supervisor)

    response = client.get(URL)

    report = response.context["report"]
    assert (report.finished, report.outcomes.recovery) == (3, Rate(2, 3))
    # The options the page's select lists.
    select = response.content.decode().split('name="therapist"', 1)[1].split("</select>", 1)[0]
    choices = re.findall(r"<option[^>]*>([^<]*)</option>", select)
    assert choices == ["Everyone I supervise", "Dr Ada Therapist", "Dr Cleo Supervisor"]


def test_therapist_filter(client, login, admin, therapist, courses):
    login(admin)

    response = client.get(URL, {"therapist": str(therapist.public_id)})

    report = response.context["report"]
    assert (report.finished, report.outcomes.recovery) == (2, Rate(1, 2))
    assert response.context["filters"]["therapist"] == therapist


def test_period_filter(client, login, admin, courses):
    login(admin)

    response = client.get(URL, {"ended_from": "2025-01-01", "ended_to": "2025-12-31"})

    report = response.context["report"]
    assert (report.finished, report.outcomes.recovery) == (2, Rate(1, 2))
    assert "1 Jan 2025 to 31 Dec 2025" in response.content.decode()


def test_supervisor_cannot_choose_someone_they_do_not_supervise(
    client, login, supervisor, other_therapist, courses
):
    login(supervisor)

    response = client.get(URL, {"therapist": str(other_therapist.public_id)})

    assert response.status_code == 400
    assert "report" not in response.context
    assert list(response.context["form"].errors) == ["therapist"]


def test_another_practices_therapist_is_not_a_choice(client, login, admin, foreign_therapist):
    login(admin)

    response = client.get(CSV_URL, {"therapist": str(foreign_therapist.public_id)})

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["therapist"]
    assert not AuditEvent.objects.filter(action="report.export").exists()


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"ended_from": "31/02/2025"}, "ended_from", "Enter a valid date."),
        ({"ended_to": "9999-12-31"}, "ended_to", "Enter a date between 1990-01-01 and 2100-12-31."),
        (
            {"ended_from": "2025-06-01", "ended_to": "2025-01-01"},
            "ended_to",
            "The end date is before the start date.",
        ),
        ({"therapist": "not-a-uuid"}, "therapist", None),
    ],
)
def test_invalid_filters_are_form_errors(client, login, admin, query, field, message):
    login(admin)

    response = client.get(URL, query)

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == [field]
    if message:
        assert errors[field] == [message]
    assert response.context["form"].data[next(iter(query))] == next(iter(query.values()))


def test_therapist_is_refused_and_audited(client, login, therapist):
    login(therapist)

    page, download = client.get(URL), client.get(CSV_URL)

    assert (page.status_code, download.status_code) == (403, 403)
    assert AuditEvent.objects.filter(action="access.denied", actor=therapist.user).count() == 2


def test_reports_link_in_the_navigation(client, login, admin, supervisor, therapist):
    link = f'<a href="{URL}"'
    seen = {}
    for member in (admin, supervisor, therapist):
        login(member)
        seen[member.role] = link in client.get(reverse("clinic:home")).content.decode()

    assert seen == {"admin": True, "supervisor": True, "therapist": False}


def test_csv_has_one_row_per_measure_and_is_audited(client, login, admin, therapist, courses):
    login(admin)

    response = client.get(
        CSV_URL, {"therapist": str(therapist.public_id), "ended_to": "2025-12-31"}
    )

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="service-report-northgate-start-to-2025-12-31.csv"'
    )
    rows = read_csv(response)
    assert rows[0] == [
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
    figures = by_code(rows)
    assert list(figures) == [
        "referrals",
        "started",
        "finished",
        "mean_attended_sessions",
        "did_not_attend",
        "paired",
        "without_paired_scores",
        "at_caseness",
        "recovery",
        "reliable_improvement",
        "reliable_recovery",
        "reliable_deterioration",
        "wait_mean_days",
        "wait_median_days",
        "within_6_weeks",
        "within_18_weeks",
        "waiting_now",
        "waiting_median_days",
        "waiting_within_6_weeks",
        "waiting_within_18_weeks",
        "date_problems",
        "waits_left_out_for_dates",
    ]
    assert figures["recovery"] == {
        "code": "recovery",
        "measure": "Recovery",
        "count": "1",
        "denominator": "2",
        "rate": "0.5000",
        "practice": "Northgate Therapies",
        "therapist": "Dr Ada Therapist",
        "ended_from": "",
        "ended_to": "2025-12-31",
    }
    assert [figures["finished"][key] for key in ("count", "denominator", "rate")] == ["2", "", ""]
    assert [figures["mean_attended_sessions"][k] for k in ("count", "denominator", "rate")] == [
        "4",
        "2",
        "2.00",
    ]
    assert [figures["wait_median_days"][k] for k in ("count", "denominator", "rate")] == [
        "",
        "2",
        "35.00",
    ]
    event = AuditEvent.objects.get(action="report.export")
    assert (event.actor, event.practice, event.object_id, event.changes) == (
        admin.user,
        admin.practice,
        "service-outcomes",
        {"therapist": str(therapist.public_id), "ended_from": None, "ended_to": "2025-12-31"},
    )
    assert AuditEvent.objects.exclude(action__startswith="auth").count() == 1


def test_csv_cells_cannot_run_as_formulas(client, login, admin, therapist, courses):
    therapist.user.full_name = '=HYPERLINK("http://example.test","Dr Ada")'
    therapist.user.save(update_fields=["full_name"])
    admin.practice.name = "+Northgate"
    admin.practice.save(update_fields=["name"])
    login(admin)

    response = client.get(CSV_URL, {"therapist": str(therapist.public_id)})

    row = by_code(read_csv(response))["recovery"]
    assert (row["therapist"], row["practice"]) == (
        '\'=HYPERLINK("http://example.test","Dr Ada")',
        "'+Northgate",
    )


def test_csv_and_page_show_the_same_figures(client, login, admin, therapist, other_therapist):
    rng = random.Random(11)
    for _ in range(25):
        member = rng.choice([therapist, other_therapist])
        sessions = rng.randint(1, 8)
        scores = [(rng.randint(0, 27), rng.randint(0, 21)) for _ in range(sessions)]
        build_course(member, Spec(scores, dna=rng.randint(0, 2)))
    login(admin)

    page = client.get(URL)
    rows = by_code(read_csv(client.get(CSV_URL)))

    for _title, items in page.context["sections"]:
        for figure in items:
            row = rows[figure.code]
            assert (row["measure"], row["count"], row["denominator"]) == (
                figure.label,
                "" if figure.count is None else str(figure.count),
                "" if figure.denominator is None else str(figure.denominator),
            )


def test_invalid_csv_filters_render_the_form(client, login, supervisor):
    login(supervisor)

    response = client.get(CSV_URL, {"ended_from": "yesterday"})

    assert response.status_code == 400
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert list(response.context["form"].errors) == ["ended_from"]


@pytest.mark.parametrize("size", [5, 50])
def test_page_query_count_does_not_grow_with_courses(
    client, login, admin, therapist, size, django_assert_num_queries
):
    for _ in range(size):
        build_course(therapist, Spec(RECOVERED))
    login(admin)

    # 13 for the report with its funnel plot, 2 for the DIT rating coverage (attended
    # sessions, rated sessions).
    with django_assert_num_queries(16):
        response = client.get(URL)

    assert response.context["report"].finished == size


def test_empty_practice_shows_no_data(client, login, admin):
    login(admin)

    response = client.get(URL)

    html = response.content.decode()
    assert response.context["report"].finished == 0
    # 16 figures in the tables (3 of them the waiting list's), and each of the 12 rates
    # twice in the chart (text and desc).
    assert html.count("no data") == 16 + 2 * 12


def dated_before_referral(member):
    """A finished course imported with its first session a week before its referral."""
    first = dt.date(2025, 3, 3)
    return build_course(
        member, Spec(RECOVERED, first_on=first, referral_on=first + dt.timedelta(days=7))
    )


def test_page_lists_courses_dated_wrongly_with_links_in_the_readers_scope(
    client, login, supervisor, therapist, other_therapist, foreign_therapist
):
    mine = dated_before_referral(therapist)
    theirs = dated_before_referral(other_therapist)
    dated_before_referral(foreign_therapist)
    build_course(therapist, Spec(RECOVERED))
    login(supervisor)

    response = client.get(URL)

    html = response.content.decode()
    assert response.context["report"].waits.count == 1
    assert response.context["dated_wrongly"] == [
        (response.context["report"].data_quality.listed[0], [SESSION_BEFORE_REFERRAL_LABEL])
    ]
    assert reverse("clinic:course-detail", args=[mine.public_id]) in html
    assert reverse("clinic:course-detail", args=[theirs.public_id]) not in html
    assert f"{mine.client.full_name} ({mine.client.client_number})" in html
    assert SESSION_BEFORE_REFERRAL_LABEL in html
    assert client.get(reverse("clinic:course-detail", args=[mine.public_id])).status_code == 200


def test_page_says_when_no_course_is_dated_wrongly(client, login, admin, courses):
    login(admin)

    response = client.get(URL)

    assert response.context["dated_wrongly"] == []
    assert "None: every course" in response.content.decode()


def test_csv_counts_courses_dated_wrongly_and_keeps_them_out_of_the_waits(
    client, login, admin, therapist
):
    dated_before_referral(therapist)
    build_course(
        therapist,
        Spec(RECOVERED, first_on=dt.date(2025, 3, 3), referral_on=dt.date(2025, 2, 3)),
    )
    login(admin)

    rows = by_code(read_csv(client.get(CSV_URL)))

    assert [rows["wait_mean_days"][k] for k in ("count", "denominator", "rate")] == [
        "28",
        "1",
        "28.00",
    ]
    assert rows["within_6_weeks"]["denominator"] == "1"
    assert (rows["date_problems"]["count"], rows["waits_left_out_for_dates"]["count"]) == (
        "1",
        "1",
    )


@pytest.mark.parametrize("size", [1, 20])
def test_page_query_count_does_not_grow_with_courses_dated_wrongly(
    client, login, admin, therapist, size, django_assert_num_queries
):
    for _ in range(size):
        dated_before_referral(therapist)
    login(admin)

    # 15 for the report with its funnel plot, 2 for the DIT rating coverage (attended
    # sessions, rated sessions).
    with django_assert_num_queries(17):
        response = client.get(URL)

    assert len(response.context["dated_wrongly"]) == size


def _options(response) -> list[str]:
    select = response.content.decode().split('name="therapist"', 1)[1].split("</select>", 1)[0]
    return re.findall(r"<option[^>]*>([^<]*)</option>", select)


def test_kept_filter_fields_list_each_members_own_choices(
    client, login, admin, supervisor, therapist, other_therapist
):
    login(admin)
    first = _options(client.get(URL))
    again = _options(client.get(URL))
    login(supervisor)
    supervised = _options(client.get(URL))

    assert first == again
    assert first[0] == "Whole practice"
    assert len(first) > len(supervised)
    assert supervised == ["Everyone I supervise", "Dr Ada Therapist", "Dr Cleo Supervisor"]
