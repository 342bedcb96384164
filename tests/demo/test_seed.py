import io

import pytest
from django.core.management import CommandError, call_command

from patternwork.accounts.models import Membership, Practice
from patternwork.accounts.totp import confirmed_device, current_code
from patternwork.demo import seed


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_seed_demo_creates_the_practice_and_prints_logins(db):
    output = run("seed_demo")

    practice = Practice.objects.get(slug=seed.DEMO_SLUG)
    assert practice.is_demo is True
    roles = set(Membership.objects.filter(practice=practice).values_list("user__email", "role"))
    assert roles == {(s.email, s.role) for s in seed.DEMO_STAFF}
    for staff in seed.DEMO_STAFF:
        assert staff.email in output
    assert seed.DEMO_PASSWORD in output


def test_seed_demo_is_idempotent(db):
    run("seed_demo")
    counts = (Practice.objects.count(), Membership.objects.count())

    second = run("seed_demo")

    assert (Practice.objects.count(), Membership.objects.count()) == counts
    assert "therapist@riverside.example" in second


def test_seed_demo_totp_secrets_are_fixed(db):
    first = seed.seed()

    assert first[0].totp_secret == seed.seed()[0].totp_secret


def test_demo_totp_prints_the_current_code(db):
    seed.seed()
    from patternwork.accounts.models import User

    device = confirmed_device(User.objects.get(email=seed.THERAPIST.email))
    output = run("demo_totp", seed.THERAPIST.email)

    assert output.split()[0] == current_code(device)[0]


def test_demo_totp_refuses_a_real_account(db, therapist):
    from tests.factories import TOTPDeviceFactory

    TOTPDeviceFactory(user=therapist.user)

    with pytest.raises(CommandError, match="only printed for accounts of the demo practice"):
        run("demo_totp", therapist.user.email)


def test_demo_password_passes_the_password_policy():
    from django.contrib.auth.password_validation import validate_password

    validate_password(seed.DEMO_PASSWORD)


@pytest.mark.parametrize(
    "today",
    ["2026-11-25 09:00", "2027-01-04 18:00", "2027-04-01 12:00"],
)
def test_demo_has_clients_at_every_stage(db, today):
    import datetime as dt

    import time_machine

    from patternwork.clients.models import Referral
    from patternwork.treatment.models import Appointment, Course
    from patternwork.treatment.selectors import current_phase

    moment = dt.datetime.fromisoformat(today).replace(tzinfo=dt.UTC)
    with time_machine.travel(moment, tick=False):
        seed.seed()

    practice = Practice.objects.get(slug=seed.DEMO_SLUG)
    phases = []
    for course in Course.objects.filter(practice=practice).exclude(state="ended"):
        attended = course.appointments.filter(status="attended").count()
        phases.append(current_phase(attended, course.planned_sessions).value)
    ended = Course.objects.filter(practice=practice, state="ended")
    assert sorted(phases) == ["ending", "initial", "middle", "middle"]
    assert [(c.end_reason, c.appointments.filter(status="attended").count()) for c in ended] == [
        ("completed", 16)
    ]
    assert Referral.objects.filter(practice=practice, status="new").count() == 1
    statuses = set(Appointment.objects.filter(practice=practice).values_list("status", flat=True))
    assert {"attended", "booked", "dna", "cancelled_client"} <= statuses


def test_demo_measures_and_outcome_sentences(db):
    import datetime as dt

    import time_machine

    from patternwork.measures import outcomes
    from patternwork.measures.models import RiskFlag
    from patternwork.measures.summary import course_outcome
    from patternwork.treatment.models import Course

    with time_machine.travel(dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC), tick=False):
        seed.seed()

    ended = Course.objects.get(practice__slug=seed.DEMO_SLUG, state="ended")
    sentence = outcomes.describe(course_outcome(ended))
    assert sentence == "Recovered; reliable improvement on PHQ-9 (18 to 7) and GAD-7 (14 to 5)."
    open_flags = RiskFlag.objects.filter(acknowledged_at__isnull=True)
    assert [f.client.full_name for f in open_flags] == ["Kieran Walsh"]
    assert RiskFlag.objects.filter(acknowledged_at__isnull=False).count() == 1


def test_demo_maps_episodes_and_agreed_ipafs(db):
    import datetime as dt

    import time_machine

    from patternwork.formulation.models import Episode, IpafVersion, Person
    from patternwork.formulation.selectors import pattern_view
    from patternwork.treatment.models import Course
    from patternwork.treatment.selectors import current_phase

    with time_machine.travel(dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC), tick=False):
        seed.seed()

    for course in Course.objects.filter(practice__slug=seed.DEMO_SLUG).select_related("client"):
        client = course.client
        episodes = Episode.objects.filter(client=client)
        assert Person.objects.filter(client=client).count() >= 3
        assert 6 <= episodes.count() <= 15
        assert episodes.filter(when="childhood").exists()
        view = pattern_view(client)
        assert view.report.core_theme is not None
        assert len(view.report.core_theme.ro.categories) == 1  # one clear recurring pattern
        attended = course.appointments.filter(status="attended").count()
        agreed = IpafVersion.objects.filter(course=course, agreed_on__isnull=False).exists()
        past_initial = current_phase(attended, course.planned_sessions) != "initial"
        assert agreed is past_initial, client.full_name
