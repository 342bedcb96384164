"""Every list of clinicians a client may be given is the accounts selector's list."""

import html
import re

import pytest
from django.urls import reverse

from patternwork.accounts.models import Membership
from patternwork.accounts.selectors import active_clinicians
from patternwork.clients.models import Client
from tests.factories import ClientFactory, MembershipFactory, ReferralFactory

Role = Membership.Role


@pytest.fixture
def locked_out(practice):
    """A therapist whose login was deactivated although the membership stayed active.

    It happens when a person deactivated in their only practice is invited to another:
    the new membership is active, the login is not, so they cannot log in.
    """
    return MembershipFactory(
        practice=practice,
        role=Role.THERAPIST,
        user__full_name="Bea Locked Out",
        user__is_active=False,
    )


@pytest.fixture
def staff(practice, admin, therapist, supervisor, foreign_therapist, locked_out):
    MembershipFactory(practice=practice, is_active=False, user__full_name="Ben Left")
    return list(active_clinicians(practice))


def test_the_practice_has_two_clinicians_to_offer(staff, therapist, supervisor):
    assert staff == [therapist, supervisor]


def test_new_client_page_offers_the_active_clinicians(client, login, admin, staff):
    login(admin)

    response = client.get(reverse("clinic:client-new"))

    assert list(response.context["assign"].fields["therapist"].queryset) == staff


def test_client_page_offers_the_active_clinicians(client, login, admin, therapist, staff):
    record = ClientFactory(practice=admin.practice, therapist=therapist)
    login(admin)

    response = client.get(reverse("clinic:client-detail", args=[record.public_id]))

    assert list(response.context["assign"].fields["therapist"].queryset) == staff


def test_client_page_of_another_practice_is_a_404(client, login, admin, foreign_therapist):
    record = ClientFactory(practice=foreign_therapist.practice, therapist=foreign_therapist)
    login(admin)

    response = client.get(reverse("clinic:client-detail", args=[record.public_id]))

    assert response.status_code == 404


def test_referral_page_offers_the_active_clinicians(client, login, admin, staff):
    referral = ReferralFactory(practice=admin.practice)
    login(admin)

    response = client.get(reverse("clinic:referral-detail", args=[referral.public_id]))

    assert list(response.context["accept_form"].fields["therapist"].queryset) == staff


def _offered_therapists(response) -> list[tuple[str, str]]:
    # The caseload's filter as written: its unbound fields are kept, not built per request.
    select = re.search(
        r'<select name="therapist"[^>]*>(.*?)</select>', response.content.decode(), re.S
    )
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(1))
    return [(html.unescape(value), html.unescape(label)) for value, label in options[1:]]


def test_caseload_filter_offers_the_active_clinicians(client, login, admin, staff):
    login(admin)

    response = client.get(reverse("clinic:home"))

    assert _offered_therapists(response) == [(str(m.public_id), m.user.full_name) for m in staff]


def test_a_filtered_caseload_offers_the_same_clinicians_with_the_chosen_one_selected(
    client, login, admin, staff
):
    login(admin)
    chosen = staff[1]

    response = client.get(reverse("clinic:home"), {"therapist": str(chosen.public_id)})

    offered = response.context["form"].fields["therapist"].choices[1:]
    assert offered == [(str(m.public_id), m.user.full_name) for m in staff]
    assert _offered_therapists(response) == offered
    assert f'<option value="{chosen.public_id}" selected>' in response.content.decode()


def test_caseload_filter_of_a_supervisor_offers_their_own_clinicians(
    client, login, supervisor, therapist, locked_out, staff
):
    supervisor.supervisees.add(locked_out)
    login(supervisor)

    response = client.get(reverse("clinic:home"))

    offered = _offered_therapists(response)
    assert offered == [(str(m.public_id), m.user.full_name) for m in [therapist, supervisor]]


def test_assigning_a_clinician_who_cannot_log_in_is_refused(
    client, login, admin, therapist, locked_out
):
    record = ClientFactory(practice=admin.practice, therapist=therapist)
    login(admin)

    response = client.post(
        reverse("clinic:client-assign", args=[record.public_id]),
        {"therapist": locked_out.public_id},
    )

    assert response.status_code == 400
    assert Client.objects.get().therapist == therapist
