import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from patternwork.accounts.models import Membership
from patternwork.clients.models import Referral
from tests.factories import MembershipFactory, PracticeFactory
from tests.referrals import answers, page_url
from tests.reports.builders import Spec, build_course

NOW = dt.datetime(2025, 6, 30, 12, 0, tzinfo=dt.UTC)


def page(practice) -> str:
    return reverse("portal:practice-page", args=[practice.slug])


def listed(practice, name, **profile):
    return MembershipFactory(
        practice=practice,
        role=Membership.Role.THERAPIST,
        user__full_name=name,
        accepts_referrals=True,
        **profile,
    )


def begun(therapist, wait_days, first_on=dt.date(2025, 6, 2)):
    build_course(
        therapist,
        Spec(
            [(12, 9), (8, 6)],
            first_on=first_on,
            referral_on=first_on - dt.timedelta(days=wait_days),
            ended_on=None,
        ),
    )


def test_front_page_lists_every_practice_demo_ones_marked(client, practice):
    demo = PracticeFactory(name="Riverside (demo)", slug="riverside-demo", is_demo=True)

    response = client.get("/")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("Northgate Therapies") < html.index("Riverside (demo)")
    assert page(practice) in html
    assert page(demo) in html
    assert "Demo: fictional" in html
    assert reverse("clinic:login") in html
    assert "Staff login" in html
    assert "Content-Security-Policy" in response.headers


def test_front_page_shows_only_public_fields(client, practice, admin):
    practice.email = "owner@northgate.example"
    practice.public_description = "Talking therapy by the station."
    practice.save()

    html = client.get("/").content.decode()

    assert "Talking therapy by the station." in html
    assert "owner@northgate.example" not in html
    assert admin.user.email not in html


def test_front_page_says_which_practices_take_referrals(client, practice, other_practice):
    other_practice.taking_referrals = False
    other_practice.save()

    html = client.get("/").content.decode()

    assert "Taking referrals" in html
    assert "Not taking referrals at the moment" in html


def test_staff_at_the_front_page_go_on_to_their_caseload(client, login, therapist):
    login(therapist)

    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == reverse("clinic:home")
    assert client.get(response["Location"]).status_code == 200


def test_front_page_lists_practices_in_one_query(client, practice, django_assert_num_queries):
    for number in range(9):
        PracticeFactory(name=f"Practice {number}", slug=f"practice-{number}")

    with django_assert_num_queries(1):
        response = client.get("/")

    assert response.content.decode().count('class="card public-practice"') == 10


def test_practice_page_explains_dit_and_who_it_may_not_suit(client, practice):
    html = client.get(page(practice)).content.decode()

    assert "What Dynamic Interpersonal Therapy is" in html
    assert "about 16 sessions" in html
    assert "one pattern in how you relate to other people" in html
    assert "low mood (depression) and anxiety" in html
    assert "Who it may not suit" in html
    assert practice.name in html


def test_practice_page_shows_the_crisis_information(client, practice):
    practice.crisis_information = "Ring the Northgate crisis line on 0800 000 0000."
    practice.save()

    html = client.get(page(practice)).content.decode()

    assert "If you need help now" in html
    assert "Ring the Northgate crisis line on 0800 000 0000." in html


def test_practice_page_shows_the_therapists_who_accept_referrals(client, practice, therapist):
    listed(
        practice,
        "Dr Quinn Listed",
        display_name="Quinn L.",
        registration="HCPC practitioner psychologist",
        modalities="DIT, CBT",
        dit_accredited=True,
        languages="English, Urdu",
        sees_in_person=True,
        sees_online=True,
        profile_text="I see adults.",
    )
    listed(practice, "Rhea Online", sees_online=True)

    html = client.get(page(practice)).content.decode()

    for shown in (
        "Quinn L.",
        "HCPC practitioner psychologist",
        "DIT, CBT",
        "Accredited DIT practitioner",
        "English, Urdu",
        "In person or online",
        "I see adults.",
        "Rhea Online",
    ):
        assert shown in html
    assert html.count("Accredited DIT practitioner") == 1
    assert "Dr Quinn Listed" not in html  # the display name is the public one
    assert therapist.user.full_name not in html  # not accepting referrals


def test_practice_page_shows_fees_only_when_set(client, practice):
    assert "Fees" not in client.get(page(practice)).content.decode()
    practice.fees = "£65 for each 50-minute session."
    practice.save()

    html = client.get(page(practice)).content.decode()

    assert "Fees" in html
    assert "£65 for each 50-minute session." in html


def test_practice_taking_referrals_shows_the_self_referral_button(client, practice):
    html = client.get(page(practice)).content.decode()

    assert f'href="{page_url(practice)}"' in html
    assert "not taking referrals" not in html


def test_practice_not_taking_referrals_hides_the_button_and_says_so(client, practice):
    practice.taking_referrals = False
    practice.save()

    html = client.get(page(practice)).content.decode()

    assert page_url(practice) not in html
    assert "Northgate Therapies is not taking referrals at the moment." in html


def test_self_referral_form_is_closed_while_not_taking_referrals(client, practice):
    practice.taking_referrals = False
    practice.save()

    shown = client.get(page_url(practice))
    sent = client.post(page_url(practice), answers(practice))

    assert shown.status_code == 200
    assert "is not taking referrals at the moment" in shown.content.decode()
    assert 'name="full_name"' not in shown.content.decode()
    assert sent.status_code == 409
    assert Referral.objects.count() == 0


def test_unknown_practice_page_is_not_found(client, practice):
    response = client.get(reverse("portal:practice-page", args=["nowhere"]))

    assert response.status_code == 404
    assert "Content-Security-Policy" in response.headers


def test_practice_page_says_not_enough_data_below_five_waits(client, practice, therapist):
    for days in (14, 21, 28, 35):
        begun(therapist, days)

    with time_machine.travel(NOW, tick=False):
        html = client.get(page(practice)).content.decode()

    assert "Not enough data yet." in html
    assert "at least 5 people have begun therapy here in the last 90 days" in html


def test_practice_page_shows_the_wait_as_a_range_and_how_it_was_computed(
    client, practice, therapist
):
    # The module's worked example: 10, 14, 20, 30 and 45 days give 2 to 5 weeks.
    for days in (10, 14, 20, 30, 45):
        begun(therapist, days)
    # Begun more than 90 days ago: left out.
    begun(therapist, 300, first_on=dt.date(2025, 3, 1))

    with time_machine.travel(NOW, tick=False):
        html = client.get(page(practice)).content.decode()

    assert "Between 2 and 5 weeks from referral to first session." in html
    assert "in the last 90 days, the middle half of their waits" in html
    assert "Not enough data yet." not in html


def test_practice_page_shows_a_short_wait_as_up_to(client, practice, therapist):
    for days in (0, 1, 2, 3, 6):
        begun(therapist, days)

    with time_machine.travel(NOW, tick=False):
        html = client.get(page(practice)).content.decode()

    assert "Up to 1 week from referral to first session." in html


@pytest.mark.parametrize("therapists", [1, 10])
def test_practice_page_query_count_does_not_grow_with_therapists(
    client, practice, therapists, django_assert_num_queries
):
    for number in range(therapists):
        listed(practice, f"Therapist {number}", registration=f"Reg {number}")

    with django_assert_num_queries(3):
        response = client.get(page(practice))

    assert response.content.decode().count('class="card public-profile"') == therapists


def test_practice_page_never_shows_another_practices_therapists(client, practice, other_practice):
    listed(other_practice, "Dr Elsewhere Listed")

    html = client.get(page(practice)).content.decode()

    assert "Dr Elsewhere Listed" not in html
    assert "has not listed its therapists here yet" in html
