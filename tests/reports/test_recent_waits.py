import datetime as dt

from patternwork.reports.selectors import recent_waits
from tests.reports.builders import Spec, build_course

TODAY = dt.date(2025, 6, 30)


def started(therapist, first_on: dt.date, wait_days: int, **extra):
    return build_course(
        therapist,
        Spec(
            [(12, 9), (8, 6)],
            first_on=first_on,
            referral_on=first_on - dt.timedelta(days=wait_days),
            ended_on=None,
            **extra,
        ),
    )


def test_waits_of_courses_begun_in_the_window_finished_or_not(therapist):
    started(therapist, TODAY - dt.timedelta(days=89), 30)
    started(therapist, TODAY, 30)
    started(therapist, TODAY - dt.timedelta(days=10), 12)
    build_course(
        therapist,
        Spec([(12, 9), (8, 6)], first_on=dt.date(2025, 5, 5), referral_on=dt.date(2025, 4, 7)),
    )

    assert recent_waits(therapist.practice, today=TODAY, days=90) == [(12, 1), (28, 1), (30, 2)]


def test_waits_outside_the_window_or_without_dates_are_left_out(
    therapist, other_therapist, foreign_therapist
):
    started(therapist, TODAY - dt.timedelta(days=90), 5)
    started(therapist, TODAY + dt.timedelta(days=1), 5)
    build_course(therapist, Spec([(12, 9), (8, 6)], first_on=TODAY, referral_on=None))
    started(foreign_therapist, TODAY, 5)
    started(other_therapist, TODAY, 40)

    assert recent_waits(therapist.practice, today=TODAY, days=90) == [(40, 1)]


def test_courses_whose_dates_break_the_rules_are_left_out_as_in_the_report(therapist):
    # A session after the course's end: the summary flags it and no wait figure counts it.
    wrong = Spec(
        [(12, 9), (8, 6), (7, 5)],
        first_on=TODAY - dt.timedelta(days=20),
        referral_on=TODAY - dt.timedelta(days=40),
        ended_on=TODAY - dt.timedelta(days=19),
    )
    assert wrong.dated_wrongly
    build_course(therapist, wrong)

    assert recent_waits(therapist.practice, today=TODAY, days=90) == []


def test_recent_waits_is_one_query(therapist, django_assert_num_queries):
    for days in (3, 9, 27):
        started(therapist, TODAY - dt.timedelta(days=days), days)

    with django_assert_num_queries(1):
        recent_waits(therapist.practice, today=TODAY, days=90)
