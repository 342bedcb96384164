import datetime as dt
import io
import random
from fractions import Fraction

import duckdb
import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.forms.models import model_to_dict
from django.urls import reverse

from bench import service_report as synthetic
from patternwork.accounts.models import Membership
from patternwork.clients.models import Referral
from patternwork.measures import outcomes, summary
from patternwork.measures.config import outcome_config
from patternwork.measures.definitions import Comparator, Threshold
from patternwork.measures.models import OutcomeSummary
from patternwork.measures.outcomes import MeasureRule, OutcomeConfig, Rate
from patternwork.measures.services import Answers, record_responses
from patternwork.reports import selectors as report_selectors
from patternwork.reports.selectors import (
    Mean,
    report_therapists,
    service_report,
    service_report_for,
)
from patternwork.treatment import plan
from patternwork.treatment import services as treatment
from patternwork.treatment.models import Course
from tests.course_fixtures import weekly
from tests.factories import ClientFactory, CourseFactory, MembershipFactory, ReferralFactory
from tests.reports import figures
from tests.reports.builders import Spec, at, bench_dataset, build_course, build_courses

# The worked examples of docs/outcomes.md, then the three the recovery denominator was written with:
# a (PHQ-9, GAD-7) pair per session and the expected (paired, caseness at start, recovered,
# reliable improvement, reliable recovery, reliable deterioration).
WORKED_EXAMPLES = {
    "reliable improvement, GAD still a case": (
        [(15, 10), (8, 12)],
        (True, True, False, True, False, False),
    ),
    "recovered without reliable improvement": (
        [(12, 9), (9, 7)],
        (True, True, True, False, False, False),
    ),
    "mixed: GAD rise blocks improvement": (
        [(20, 6), (10, 11)],
        (True, True, False, False, False, True),
    ),
    "not a case at start, fall of exactly 6": (
        [(8, 5), (2, 3)],
        (True, False, None, True, None, False),
    ),
    "one score each: no outcome": (
        [(18, 14), (None, None)],
        (False, True, None, None, None, None),
    ),
    "recovered and reliably improved": (
        [(12, 7), (4, 7)],
        (True, True, True, True, True, False),
    ),
    "PHQ-9 never scored, GAD-7 17 to 18": (
        [(None, 17), (None, 18)],
        (False, True, None, None, None, None),
    ),
    "PHQ-9 4 once, GAD-7 5 to 5": (
        [(4, 5), (None, 5)],
        (False, False, None, None, None, None),
    ),
    "PHQ-9 8 to 5, GAD-7 2 to 3": (
        [(8, 2), (5, 3)],
        (True, False, None, False, None, False),
    ),
}
# The three worked examples of the recovery denominator rule, as (PHQ-9, GAD-7) per session.
DENOMINATOR_EXAMPLES = [
    [(None, 17), (None, 18)],  # at caseness, unpaired: in the denominator, not recovered
    [(4, 5), (None, 5)],  # unpaired: in the denominator, not recovered
    [(8, 2), (5, 3)],  # paired, not at caseness: out of the recovery denominator only
]


def pure_rates(courses):
    return outcomes.service_rates(summary.course_outcome(course) for course in courses)


def test_report_counts_activity_and_outcomes_of_finished_courses(therapist):
    specs = [
        Spec([(16, 12), (14, 10), (7, 5)], dna=2),
        Spec([(9, 4), (9, 4)], dna=1),
        Spec([(20, 15)] * 5, ended_on=None),
        Spec([(11, 9)], referral_on=dt.date(2024, 11, 4)),
    ]
    for spec in specs:
        build_course(therapist, spec)

    report = service_report(therapist.practice)

    assert (report.referrals, report.started, report.finished) == (4, 4, 2)
    assert report.attended_sessions == Mean(5, 2)
    assert report.did_not_attend == Rate(3, 8)
    assert report.paired == Rate(2, 2)
    assert report.at_caseness == Rate(1, 2)
    assert report.outcomes == outcomes.ServiceRates(
        finished=2,
        finished_unpaired=0,
        paired_at_caseness=1,
        recovery=Rate(1, 1),
        reliable_recovery=Rate(1, 1),
        reliable_improvement=Rate(1, 2),
        reliable_deterioration=Rate(0, 2),
    )


def test_report_compiled_once_still_counts_the_rows_of_each_run(therapist):
    # The same practice, scope and period run the statement compiled the first time.
    empty = service_report(therapist.practice)
    build_course(therapist, Spec([(16, 12), (14, 10), (7, 5)], dna=2))
    one = service_report(therapist.practice)
    build_course(therapist, Spec([(9, 4), (9, 4)], dna=1))

    two = service_report(therapist.practice)

    assert (empty.finished, empty.attended_sessions, empty.did_not_attend) == (
        0,
        Mean(0, 0),
        Rate(0, 0),
    )
    assert (one.finished, one.attended_sessions, one.did_not_attend) == (1, Mean(3, 1), Rate(2, 5))
    assert (two.finished, two.attended_sessions, two.did_not_attend) == (2, Mean(5, 2), Rate(3, 8))


@pytest.mark.parametrize("name", sorted(WORKED_EXAMPLES))
def test_worked_example_counts_as_its_published_source_says(therapist, name):
    scores, (paired, caseness, recovered, improved, recovered_reliably, worse) = WORKED_EXAMPLES[
        name
    ]
    course = build_course(therapist, Spec(scores))

    report = service_report(therapist.practice)

    # Only a paired course not at caseness leaves the recovery denominator.
    for_recovery = int(not paired or caseness)
    assert report.outcomes == outcomes.ServiceRates(
        finished=1,
        finished_unpaired=int(not paired),
        paired_at_caseness=int(paired and caseness),
        recovery=Rate(int(bool(recovered)), for_recovery),
        reliable_recovery=Rate(int(bool(recovered_reliably)), for_recovery),
        reliable_improvement=Rate(int(bool(improved)), 1),
        reliable_deterioration=Rate(int(bool(worse)), 1),
    )
    assert (report.paired, report.without_paired_scores) == (
        Rate(int(paired), 1),
        Rate(int(not paired), 1),
    )
    assert report.outcomes == pure_rates([course])
    outcome = summary.course_outcome(course)
    assert (outcome.paired, outcome.caseness_at_start, outcome.counts_for_recovery) == (
        paired,
        caseness,
        bool(for_recovery),
    )


def test_worked_examples_together(therapist):
    courses = [build_course(therapist, Spec(scores)) for scores, _ in WORKED_EXAMPLES.values()]

    report = service_report(therapist.practice)

    assert (report.paired, report.without_paired_scores, report.at_caseness) == (
        Rate(6, 9),
        Rate(3, 9),
        Rate(4, 6),
    )
    assert report.outcomes == outcomes.ServiceRates(
        finished=9,
        finished_unpaired=3,
        paired_at_caseness=4,
        recovery=Rate(2, 7),
        reliable_recovery=Rate(1, 7),
        reliable_improvement=Rate(3, 9),
        reliable_deterioration=Rate(1, 9),
    )
    assert report.outcomes == pure_rates(courses)


def test_recovery_denominator_worked_examples_in_the_report(therapist):
    courses = [build_course(therapist, Spec(scores)) for scores in DENOMINATOR_EXAMPLES]

    report = service_report(therapist.practice)

    assert report.outcomes == outcomes.ServiceRates(
        finished=3,
        finished_unpaired=2,
        paired_at_caseness=0,
        recovery=Rate(0, 2),
        reliable_recovery=Rate(0, 2),
        reliable_improvement=Rate(0, 3),
        reliable_deterioration=Rate(0, 3),
    )
    assert (report.paired, report.without_paired_scores, report.at_caseness) == (
        Rate(1, 3),
        Rate(2, 3),
        Rate(0, 1),
    )
    assert report.outcomes == pure_rates(courses)


def test_recovery_denominator_worked_examples_on_the_page_and_in_the_csv(
    client, login, admin, therapist, other_therapist
):
    courses = [build_course(therapist, Spec(scores)) for scores in DENOMINATOR_EXAMPLES]
    build_course(other_therapist, Spec([(15, 10), (4, 3)], ended_on=None))  # not finished
    login(admin)

    page = client.get(reverse("clinic:service-report"))
    download = client.get(reverse("clinic:service-report-csv"))

    expected = figures.from_rates(pure_rates(courses))
    assert expected == {
        "finished": ("3", ""),
        "paired": ("1", "3"),
        "without_paired_scores": ("2", "3"),
        "at_caseness": ("0", "1"),
        "recovery": ("0", "2"),
        "reliable_improvement": ("0", "3"),
        "reliable_recovery": ("0", "2"),
        "reliable_deterioration": ("0", "3"),
    }
    assert figures.from_page(page) == expected
    assert figures.from_csv(download) == expected
    html = page.content.decode()
    assert '<th scope="row">Finished without paired scores</th>' in html
    assert "Finished without paired scores, 66.7% (2 of 3);" in html


def test_comparators_come_from_the_configuration(therapist):
    # The fall of exactly 6 is reliable under ">= 6" but not under "> 6" (docs/outcomes.md).
    course = build_course(therapist, Spec([(8, 5), (2, 3)]))
    strict = OutcomeConfig(
        depression=MeasureRule("PHQ-9", Threshold(Comparator.GE, 10), Threshold(Comparator.GT, 6)),
        anxiety=MeasureRule("GAD-7", Threshold(Comparator.GE, 8), Threshold(Comparator.GT, 4)),
    )

    default = service_report(therapist.practice).outcomes.reliable_improvement
    stricter = service_report(therapist.practice, config=strict).outcomes.reliable_improvement

    assert (default, stricter) == (Rate(1, 1), Rate(0, 1))
    outcome = outcomes.course_outcome(*summary.score_points(course), finished=True, config=strict)
    assert outcome.reliable_improvement is False


def test_caseness_comparators_below_and_at_or_below(therapist):
    # A made-up scale where lower is worse: "a case" is <= 5 or < 3.
    build_course(therapist, Spec([(5, 9), (12, 9)]))
    build_course(therapist, Spec([(9, 2), (9, 2)]))
    build_course(therapist, Spec([(9, 3), (9, 9)]))
    lower_is_worse = OutcomeConfig(
        depression=MeasureRule("PHQ-9", Threshold(Comparator.LE, 5), Threshold(Comparator.GE, 6)),
        anxiety=MeasureRule("GAD-7", Threshold(Comparator.LT, 3), Threshold(Comparator.GE, 4)),
    )

    rates = service_report(therapist.practice, config=lower_is_worse).outcomes

    assert (rates.paired_at_caseness, rates.recovery) == (2, Rate(1, 2))
    assert rates == outcomes.service_rates(
        outcomes.course_outcome(*summary.score_points(course), finished=True, config=lower_is_worse)
        for course in Course.objects.all()
    )


def test_a_report_on_other_measures_is_refused(practice):
    wsas = MeasureRule("WSAS", Threshold(Comparator.GE, 10), Threshold(Comparator.GE, 8))

    with pytest.raises(ValueError, match="WSAS"):
        service_report(practice, config=OutcomeConfig(anxiety=wsas))


def test_waits_from_referral_to_first_attended_session(therapist):
    first = dt.date(2025, 3, 3)
    for days in (10, 42, 43, 126, 200):
        build_course(
            therapist,
            Spec([(12, 9), (8, 6)], first_on=first, referral_on=first - dt.timedelta(days=days)),
        )
    build_course(therapist, Spec([(12, 9), (8, 6)], referral_on=None))
    build_course(therapist, Spec([(12, 9)] * 3, ended_on=None, referral_on=dt.date(2020, 1, 1)))

    waits = service_report(therapist.practice).waits

    assert (waits.count, waits.mean_days, waits.median_days) == (5, Mean(421, 5), Fraction(43))
    assert (waits.within_6_weeks, waits.within_18_weeks) == (Rate(2, 5), Rate(4, 5))


def test_median_of_an_even_number_of_waits_is_the_mean_of_the_middle_two(therapist):
    first = dt.date(2025, 3, 3)
    for days in (7, 20, 21, 90):
        build_course(
            therapist,
            Spec([(12, 9), (8, 6)], first_on=first, referral_on=first - dt.timedelta(days=days)),
        )

    assert service_report(therapist.practice).waits.median_days == Fraction(41, 2)


def test_empty_report_has_no_rates(practice):
    report = service_report(practice)

    assert (report.referrals, report.started, report.finished) == (0, 0, 0)
    assert report.outcomes.recovery.value is None
    assert report.attended_sessions.value is None
    assert report.waits.median_days is None
    assert report.did_not_attend == Rate(0, 0)


def test_period_filters_end_start_and_referral_dates_in_local_time(therapist):
    # London is on summer time from 30 March 2025: 00:30 on 1 April is 23:30 UTC on 31 March.
    inside = build_course(therapist, Spec([(15, 10), (4, 3)], ended_on=dt.date(2025, 3, 31)))
    after = build_course(therapist, Spec([(15, 10), (4, 3)], ended_on=dt.date(2025, 4, 1)))
    build_course(
        therapist,
        Spec([(15, 10), (4, 3)], first_on=dt.date(2024, 6, 3), ended_on=dt.date(2024, 12, 31)),
    )
    for course, moment in ((inside, (3, 31, 23, 55)), (after, (4, 1, 0, 30))):
        month, day, hour, minute = moment
        course.ended_at = at(dt.date(2025, month, day), dt.time(hour, minute))
        course.save(update_fields=["ended_at"])
        summary.refresh_outcome_summary(course)
    for month, day, hour, minute in ((12, 31, 23, 55), (3, 31, 23, 55), (4, 1, 0, 10)):
        year = 2024 if month == 12 else 2025
        received = at(dt.date(year, month, day), dt.time(hour, minute))
        ReferralFactory(practice=therapist.practice, received_at=received)
    ReferralFactory(practice=therapist.practice, received_at=at(dt.date(2025, 1, 1), dt.time(0, 5)))

    report = service_report(
        therapist.practice, ended_from=dt.date(2025, 1, 1), ended_to=dt.date(2025, 3, 31)
    )

    assert (report.finished, report.started, report.referrals) == (1, 2, 2)
    assert report.outcomes.recovery == Rate(1, 1)


def test_therapist_and_scope_filters(therapist, other_therapist, supervisor):
    build_course(therapist, Spec([(15, 10), (4, 3)]))
    build_course(other_therapist, Spec([(15, 10), (16, 12)]))
    build_course(other_therapist, Spec([(15, 10), (15, 10)]))
    build_course(supervisor, Spec([(9, 4), (2, 1)]))

    mine = service_report(therapist.practice, therapist=therapist)
    theirs = service_report(therapist.practice, therapist=other_therapist)
    supervised = service_report_for(supervisor)

    assert (mine.finished, mine.referrals, mine.outcomes.recovery) == (1, 1, Rate(1, 1))
    assert (theirs.finished, theirs.referrals, theirs.outcomes.recovery) == (2, 2, Rate(0, 2))
    assert (supervised.finished, supervised.referrals) == (2, 2)
    assert supervised.outcomes.reliable_improvement == Rate(2, 2)


def test_supervisor_cannot_report_on_someone_outside_their_scope(supervisor, other_therapist):
    with pytest.raises(PermissionDenied):
        service_report_for(supervisor, therapist=other_therapist)


def test_admin_cannot_report_on_another_practices_therapist(admin, foreign_therapist):
    with pytest.raises(PermissionDenied):
        service_report_for(admin, therapist=foreign_therapist)


def test_report_therapists_follow_the_record_scope(
    admin, supervisor, therapist, other_therapist, foreign_therapist
):
    former = MembershipFactory(
        practice=admin.practice,
        role=Membership.Role.ADMIN,
        is_active=False,
        user__full_name="Zed Former",
    )
    build_course(former, Spec([(12, 9), (8, 6)]))

    assert list(report_therapists(admin)) == [therapist, other_therapist, supervisor, former]
    assert list(report_therapists(supervisor)) == [therapist, supervisor]


def test_another_practices_courses_and_referrals_never_count(therapist, foreign_therapist):
    build_course(therapist, Spec([(15, 10), (4, 3)]))
    build_course(foreign_therapist, Spec([(15, 10), (4, 3)]))
    build_course(foreign_therapist, Spec([(15, 10), (20, 18)]))

    report = service_report(therapist.practice)

    assert (report.referrals, report.started, report.finished) == (1, 1, 1)
    assert report.outcomes.reliable_deterioration == Rate(0, 1)


def test_query_count_does_not_depend_on_the_number_of_courses(therapist, django_assert_num_queries):
    rng = random.Random(7)
    for size in (5, 50):
        more = size - OutcomeSummary.objects.count()
        build_courses(
            [(therapist, Spec([(rng.randint(0, 27), rng.randint(0, 21))] * 3)) for _ in range(more)]
        )
        with django_assert_num_queries(4):
            report = service_report(therapist.practice, therapist=therapist)
        assert report.finished == size


def _random_spec(rng: random.Random) -> Spec:
    sessions = rng.choice([0, 1, 2, 2, 3, *range(2, 21)])

    # Some courses never give one measure; otherwise a score is missed now and then.
    never = rng.choices(["", "phq", "gad"], weights=[84, 8, 8])[0]

    def score(top: int, measure: str) -> int | None:
        return None if never == measure or rng.random() < 0.12 else rng.randint(0, top)

    first = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 600))
    roll = rng.random()
    ended_on = None if roll < 0.15 else first + dt.timedelta(weeks=sessions + rng.randint(0, 8))
    return Spec(
        scores=[(score(27, "phq"), score(21, "gad")) for _ in range(sessions)],
        first_on=first,
        ended_on=ended_on,
        referral_on=None if rng.random() < 0.1 else first - dt.timedelta(days=rng.randint(0, 200)),
        started=rng.random() > 0.05,
        dna=rng.randint(0, 3),
        extras=tuple(extra for extra in ("wsas", "draft", "missed_scores") if rng.random() < 0.2),
    )


@pytest.fixture
def population(therapist, other_therapist, foreign_therapist):
    rng = random.Random(20250917)
    staff = [therapist] * 5 + [other_therapist] * 4 + [foreign_therapist]
    built = [(rng.choice(staff), _random_spec(rng)) for _ in range(300)]
    return [
        (member, spec, course)
        for (member, spec), course in zip(built, build_courses(built), strict=True)
    ]


def _expected_activity(chosen, start=None, end=None):
    def within(day):
        return _in(day, start, end)

    finished = [s for s in chosen if s.finished and within(s.ended_on)]
    waits = [s.wait for s in finished if s.wait is not None]
    return {
        "started": sum(
            1 for s in chosen if s.started and within(s.first_on - dt.timedelta(days=3))
        ),
        "referrals": sum(1 for s in chosen if within(s.referral_on)),
        "attended": Mean(sum(s.attended for s in finished), len(finished)),
        "dna": Rate(sum(s.dna for s in finished), sum(s.attended + s.dna for s in finished)),
        "waits": (
            len(waits),
            sum(waits),
            sum(w <= 42 for w in waits),
            sum(w <= 126 for w in waits),
        ),
        "data_quality": (
            sum(s.dated_wrongly for s in chosen),
            sum(s.dated_wrongly and s.referral_on is not None for s in finished),
        ),
    }


SCENARIOS = [
    ("practice", None, None),
    ("therapist", None, None),
    ("practice", dt.date(2024, 7, 1), dt.date(2025, 3, 31)),
    ("other_therapist", dt.date(2025, 1, 1), None),
    ("practice", None, dt.date(2024, 12, 31)),
]


def _in(day, start, end):
    return day is not None and (start is None or day >= start) and (end is None or day <= end)


# One population (slow to build) serves both checks; DuckDB is a second database engine,
# so `make test-fast` leaves this out and `make test` runs it.
@pytest.mark.slow
def test_report_csv_pure_module_and_duckdb_agree_on_a_random_population(
    population, client, login, admin, therapist, other_therapist, tmp_path
):
    login(admin)
    for who, start, end in SCENARIOS:
        member = {"therapist": therapist, "other_therapist": other_therapist}.get(who)
        chosen = [
            (spec, course)
            for owner, spec, course in population
            if owner.practice_id == therapist.practice_id and member in (None, owner)
        ]
        ending = [course for spec, course in chosen if _in(spec.ended_on, start, end)]
        query = {
            "therapist": str(member.public_id) if member else "",
            "ended_from": start.isoformat() if start else "",
            "ended_to": end.isoformat() if end else "",
        }

        report = service_report(
            therapist.practice, therapist=member, ended_from=start, ended_to=end
        )
        download = client.get(reverse("clinic:service-report-csv"), query)

        scenario = (who, start, end)
        rates = pure_rates(ending)
        assert (scenario, report.outcomes) == (scenario, rates)
        assert (scenario, figures.from_csv(download)) == (scenario, figures.from_rates(rates))
        assert rates.finished > 30
        assert rates.recovery.count > 0
        assert rates.reliable_deterioration.count > 0
        assert rates.finished_unpaired > 0
        assert rates.recovery.denominator > rates.paired_at_caseness
        expected = _expected_activity([spec for spec, _ in chosen], start, end)
        waits = report.waits
        assert (
            report.started,
            report.referrals,
            report.attended_sessions,
            report.did_not_attend,
            (
                waits.count,
                waits.total_days,
                waits.within_6_weeks.count,
                waits.within_18_weeks.count,
            ),
            (report.data_quality.count, report.data_quality.left_out_of_waits),
        ) == (
            expected["started"],
            expected["referrals"],
            expected["attended"],
            expected["dna"],
            expected["waits"],
            expected["data_quality"],
        )
    # The population holds every case the recovery denominator rule distinguishes.
    finished = [
        summary.course_outcome(course)
        for owner, spec, course in population
        if owner.practice_id == therapist.practice_id and spec.finished
    ]
    unpaired = [o for o in finished if not o.paired]
    assert len(unpaired) > 10
    assert sum(o.caseness_at_start is True for o in unpaired) > 5
    assert sum(o.caseness_at_start is False for o in unpaired) > 2
    assert (
        sum(
            o.caseness_at_start is True and None in (o.depression.first, o.anxiety.first)
            for o in unpaired
        )
        > 2
    )
    assert sum(o.paired and o.caseness_at_start is False for o in finished) > 5

    # The benchmark's DuckDB reference computes the same figures from the same courses.
    specs = [spec for owner, spec, _ in population if owner.practice_id == therapist.practice_id]
    connection = duckdb.connect()
    courses, scores = synthetic.export_parquet(bench_dataset(tmp_path, specs), connection)
    reference = synthetic.duckdb_figures(
        connection, synthetic.duckdb_sql(courses, scores, outcome_config())
    )
    whole = service_report(therapist.practice)
    assert reference == synthetic.report_figures(whole)
    assert reference["recovery_denominator"] > reference["at_caseness"]
    assert reference["without_paired_scores"] > 0
    assert whole.outcomes == pure_rates(
        course for owner, _, course in population if owner.practice_id == therapist.practice_id
    )


def test_summary_kept_by_the_services_equals_the_rebuilt_one(therapist, frozen):
    phq_high = Answers("PHQ-9", {f"q{n}": 2 for n in range(1, 10)} | {"q9": 0})
    phq_low = Answers("PHQ-9", {f"q{n}": 0 for n in range(1, 10)})
    gad_high = Answers("GAD-7", {f"q{n}": 2 for n in range(1, 8)})
    gad_low = Answers("GAD-7", {f"q{n}": 1 for n in range(1, 8)})
    for index, ends in enumerate((True, True, False)):
        client = ClientFactory(practice=therapist.practice, therapist=therapist)
        referral = ReferralFactory(
            practice=therapist.practice, received_at=at(dt.date(2026, 1, 5 + index))
        )
        course = CourseFactory(client=client, referral=referral)
        treatment.start_course(
            course=course, values=weekly(start=dt.date(2026, 2, 2 + index)), actor=therapist
        )
        sessions = list(course.appointments.order_by("starts_at")[:4])
        for number, session in enumerate(sessions):
            if number == 2:
                treatment.mark_did_not_attend(appointment=session, actor=therapist)
                continue
            session = treatment.mark_attended(appointment=session, actor=therapist)
            answers = [phq_high, gad_high] if number == 0 else [phq_low, gad_low]
            if index < 2:
                given = answers[: 2 - index]
                record_responses(source="clinic", appointment=session, answers=given, by=therapist)
        if ends:
            treatment.end_course(course=course, reason="completed", note="", actor=therapist)
    kept = {
        row.course_id: model_to_dict(row, exclude=["id"]) for row in OutcomeSummary.objects.all()
    }
    before = service_report(therapist.practice)

    OutcomeSummary.objects.all().delete()
    call_command("rebuild_outcome_summaries", stdout=io.StringIO())

    assert {
        row.course_id: model_to_dict(row, exclude=["id"]) for row in OutcomeSummary.objects.all()
    } == kept
    assert service_report(therapist.practice) == before
    # The course with PHQ-9 scores only is unpaired, so it stays in the recovery denominator.
    assert (before.finished, before.outcomes.recovery, before.did_not_attend) == (
        2,
        Rate(1, 2),
        Rate(2, 8),
    )
    assert (before.paired, before.without_paired_scores) == (Rate(1, 2), Rate(1, 2))


# The report over the seeded demo practice equals the pure module too: that test lives
# with the demo's own (tests/demo/seeded/test_seed.py), which share one seeding.


# Dates that break the plan's rules (imported records, or written before the rules)

FIRST = dt.date(2025, 3, 3)


def _imported(therapist, *, days_early: int) -> Course:
    """A finished course whose first session is dated days_early before its referral."""
    return build_course(
        therapist,
        Spec([(12, 9), (8, 6)], first_on=FIRST, referral_on=FIRST + dt.timedelta(days=days_early)),
    )


def test_a_course_dated_before_its_referral_never_enters_a_wait_figure(therapist):
    for days in (10, 42):
        build_course(
            therapist,
            Spec([(12, 9), (8, 6)], first_on=FIRST, referral_on=FIRST - dt.timedelta(days=days)),
        )
    # The reported case: waits of -7 and -8 days gave a mean of -7.5 with the others out,
    # and counted both courses as seen within 6 weeks.
    early = [_imported(therapist, days_early=7), _imported(therapist, days_early=8)]

    report = service_report(therapist.practice)

    waits = report.waits
    assert (waits.count, waits.mean_days, waits.median_days) == (2, Mean(52, 2), Fraction(26))
    assert (waits.within_6_weeks, waits.within_18_weeks) == (Rate(2, 2), Rate(2, 2))
    assert (report.finished, report.data_quality.count) == (4, 2)
    assert report.data_quality.left_out_of_waits == 2
    assert [(c.course_id, c.problems) for c in report.data_quality.listed] == [
        (course.public_id, (plan.DateProblem.SESSION_BEFORE_REFERRAL,)) for course in early
    ]


def test_records_changed_directly_are_flagged_once_their_summary_is_refreshed(therapist):
    course = build_course(therapist, Spec([(12, 9), (8, 6)], first_on=FIRST, dna=1))
    # An import rewrites the plan's start and the referral; the rebuild (or the next write
    # to the course) refreshes its summary.
    Course.objects.filter(pk=course.pk).update(start_date=FIRST - dt.timedelta(days=100))
    Referral.objects.filter(pk=course.referral_id).update(received_at=at(FIRST))
    # The missed session of 17 March lies after an end dated 10 March.
    Course.objects.filter(pk=course.pk).update(ended_at=at(dt.date(2025, 3, 10), dt.time(17)))
    summary.refresh_outcome_summary(course)

    report = service_report(therapist.practice)

    assert report.waits.count == 0
    (listed,) = report.data_quality.listed
    assert listed.problems == (
        plan.DateProblem.START_BEFORE_REFERRAL,
        plan.DateProblem.SESSION_AFTER_END,
    )
    assert (listed.client_name, listed.client_number, listed.therapist_name) == (
        course.client.full_name,
        course.client.client_number,
        "Dr Ada Therapist",
    )


def test_data_quality_counts_every_period_but_left_out_waits_only_the_chosen_one(therapist):
    _imported(therapist, days_early=7)
    build_course(
        therapist,
        Spec(
            [(12, 9), (8, 6)],
            first_on=dt.date(2024, 3, 4),
            referral_on=dt.date(2024, 3, 5),
            ended_on=dt.date(2024, 6, 28),
        ),
    )

    report = service_report(
        therapist.practice, ended_from=dt.date(2025, 1, 1), ended_to=dt.date(2025, 12, 31)
    )

    assert (report.finished, report.waits.count) == (1, 0)
    assert (report.data_quality.count, report.data_quality.left_out_of_waits) == (2, 1)
    assert len(report.data_quality.listed) == 2


def test_data_quality_keeps_to_the_readers_scope(
    supervisor, therapist, other_therapist, foreign_therapist
):
    mine = _imported(therapist, days_early=7)
    _imported(other_therapist, days_early=7)
    _imported(foreign_therapist, days_early=7)

    report = service_report_for(supervisor)

    assert report.data_quality.count == 1
    assert [c.course_id for c in report.data_quality.listed] == [mine.public_id]
    assert service_report_for(supervisor, therapist=therapist).data_quality.count == 1


def test_data_quality_lists_the_first_few_and_counts_the_rest(therapist, monkeypatch):
    monkeypatch.setattr(report_selectors, "DATE_PROBLEMS_LISTED", 2)
    for _ in range(3):
        _imported(therapist, days_early=7)

    quality = service_report(therapist.practice).data_quality

    assert (quality.count, len(quality.listed), quality.unlisted) == (3, 2, 1)


def test_listing_courses_dated_wrongly_is_one_query_however_many(
    therapist, django_assert_num_queries
):
    for size in (1, 6):
        for _ in range(size - OutcomeSummary.objects.count()):
            _imported(therapist, days_early=3)
        with django_assert_num_queries(5):
            report = service_report(therapist.practice)
        assert len(report.data_quality.listed) == size
