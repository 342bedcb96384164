"""The fictional demo practice: what `make run` loads and prints (seeded once, shared with the public crawl)."""

import pytest
from django.core.management import CommandError

from patternwork.accounts.models import Membership, Practice, User
from patternwork.accounts.totp import confirmed_device, current_code
from patternwork.demo import seed
from patternwork.demo.course_data import STORIES
from patternwork.formulation.models import Episode, IpafVersion, Person
from patternwork.formulation.selectors import pattern_view
from patternwork.measures import outcomes
from patternwork.measures.models import RiskFlag
from patternwork.measures.summary import course_outcome
from patternwork.reports.selectors import service_report
from patternwork.treatment.models import Course
from patternwork.treatment.selectors import current_phase
from tests.demo.conftest import run
from tests.demo.stages import assert_clients_at_every_stage
from tests.factories import TOTPDeviceFactory


def test_seed_demo_creates_the_practice_and_prints_logins(demo):
    practice = Practice.objects.get(slug=seed.DEMO_SLUG)
    assert practice.is_demo is True
    roles = set(Membership.objects.filter(practice=practice).values_list("user__email", "role"))
    assert roles == {(s.email, s.role) for s in seed.DEMO_STAFF}
    for staff in seed.DEMO_STAFF:
        assert staff.email in demo
    assert seed.DEMO_PASSWORD in demo


def test_seed_demo_is_idempotent(demo):
    counts = (Practice.objects.count(), Membership.objects.count(), Course.objects.count())

    second = run("seed_demo")

    assert (Practice.objects.count(), Membership.objects.count(), Course.objects.count()) == counts
    assert "therapist@riverside.example" in second


def test_seed_demo_totp_secrets_are_fixed(demo):
    # The same on every install: each key is derived from the account's email alone.
    first = seed.seed()

    assert [login.totp_secret for login in seed.seed()] == [login.totp_secret for login in first]
    for staff in seed.DEMO_STAFF:
        device = confirmed_device(User.objects.get(email=staff.email))
        assert device.key == seed.demo_totp_key(staff.email)


def test_demo_totp_prints_the_current_code(demo):
    device = confirmed_device(User.objects.get(email=seed.THERAPIST.email))
    output = run("demo_totp", seed.THERAPIST.email)

    assert output.split()[0] == current_code(device)[0]


def test_demo_totp_refuses_a_real_account(db, therapist):
    TOTPDeviceFactory(user=therapist.user)

    with pytest.raises(CommandError, match="only printed for accounts of the demo practice"):
        run("demo_totp", therapist.user.email)


def test_demo_password_passes_the_password_policy():
    from django.contrib.auth.password_validation import validate_password

    validate_password(seed.DEMO_PASSWORD)


def test_demo_has_clients_at_every_stage(demo):
    # The other moments of the year are in test_seed_moments.py, each with its own seeding.
    assert_clients_at_every_stage()


def test_demo_measures_and_outcome_sentences(demo):
    ended = Course.objects.get(practice__slug=seed.DEMO_SLUG, state="ended", end_reason="completed")
    sentence = outcomes.describe(course_outcome(ended))
    assert sentence == "Recovered; reliable improvement on PHQ-9 (18 to 7) and GAD-7 (14 to 5)."
    open_flags = RiskFlag.objects.filter(acknowledged_at__isnull=True)
    assert [f.client.full_name for f in open_flags] == ["Kieran Walsh"]
    assert RiskFlag.objects.filter(acknowledged_at__isnull=False).count() == 1


def test_demo_maps_episodes_and_agreed_ipafs(demo, pattern_figures):
    for course in Course.objects.filter(
        practice__slug=seed.DEMO_SLUG, started_at__isnull=False
    ).select_related("client"):
        client = course.client
        episodes = Episode.objects.filter(client=client)
        assert Person.objects.filter(client=client).count() >= 3
        assert 6 <= episodes.count() <= 15
        assert episodes.filter(when="childhood").exists()
        view = pattern_view(client)
        assert view.report.core_theme is not None
        assert len(view.report.core_theme.ro.categories) == 1  # one clear recurring pattern
        # The page counts its figures without the episodes behind them: the same figures.
        counted = pattern_view(client, models=False).report
        assert pattern_figures(counted) == pattern_figures(view.report)
        attended = course.appointments.filter(status="attended").count()
        agreed = IpafVersion.objects.filter(course=course, agreed_on__isnull=False).exists()
        past_initial = current_phase(attended, course.planned_sessions) != "initial"
        assert agreed is past_initial, client.full_name


def test_demo_worker_sends_the_reminders_for_tomorrow_at_once(demo, mailoutbox):
    import datetime as dt

    import time_machine

    from patternwork.messaging import dispatch
    from tests.demo.conftest import SEEDED_AT

    # One round of the worker (tests/messaging/test_run_worker.py runs the command itself).
    with time_machine.travel(SEEDED_AT + dt.timedelta(minutes=1), tick=False):
        dispatch.tick()

    # SEEDED_AT is Wednesday 25 November; Kieran Walsh's session is on Thursday at 09:00.
    bodies = [message.body for message in mailoutbox]
    assert any("on Thursday 26 November 2026, 09:00." in body for body in bodies), bodies
    assert all("Walsh" not in body and "Kieran" not in body for body in bodies)
    assert {message.to[0] for message in mailoutbox} <= {
        f"{story.full_name.split()[0].lower()}@example.org" for story in STORIES
    }


def test_seed_demo_has_supervision_with_an_action_and_a_rated_session(demo):
    from patternwork.supervision.models import SessionRating, SupervisionAction

    therapist = Membership.objects.get(user__email=seed.THERAPIST.email)
    [action] = SupervisionAction.objects.filter(owner=therapist, done_at__isnull=True)
    assert action.session.clients.count() == 2
    rating = SessionRating.objects.get(therapist=therapist)
    assert (rating.phase, rating.rater.user.email) == ("initial", seed.SUPERVISOR.email)


def test_demo_practice_report_equals_the_pure_module(demo):
    # The service report's figures over the whole demo equal the pure module's, course by
    # course (tests/reports/test_service_report.py checks the worked examples).
    practice = Practice.objects.get(slug=seed.DEMO_SLUG)

    report = service_report(practice)

    courses = Course.objects.filter(practice=practice)
    assert report.outcomes == outcomes.service_rates(course_outcome(c) for c in courses)
    assert (
        report.started == Course.objects.filter(practice=practice, started_at__isnull=False).count()
    )
