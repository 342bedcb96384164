"""Who sees which referral: triage sees the unassigned ones, the caseload the accepted."""

import pytest
from django.urls import reverse
from django.utils import timezone

from patternwork.audit.models import AuditEvent
from tests.factories import ClientFactory, MembershipFactory, ReferralFactory

LIST = reverse("clinic:referral-list")


def accepted_for(therapist, name):
    return ReferralFactory(
        practice=therapist.practice,
        full_name=name,
        status="accepted",
        client=ClientFactory(practice=therapist.practice, therapist=therapist, full_name=name),
        decided_by=therapist,
        decided_at=timezone.now(),
    )


def detail(referral):
    return reverse("clinic:referral-detail", args=[referral.public_id])


@pytest.mark.parametrize("reader", ["therapist", "supervisor_without_supervisees"])
def test_accepted_referral_of_a_colleagues_client_is_not_found(
    client, login, practice, therapist, other_therapist, reader
):
    member = (
        therapist
        if reader == "therapist"
        else MembershipFactory(practice=practice, role="supervisor")
    )
    theirs = accepted_for(other_therapist, "Zed Notmine")
    login(member)

    response = client.get(detail(theirs))

    assert response.status_code == 404
    assert AuditEvent.objects.filter(
        action="access.denied", actor=member.user, object_id=str(theirs.public_id)
    ).exists()


def test_accepted_referral_of_the_therapists_own_client_is_shown(client, login, therapist):
    mine = accepted_for(therapist, "Yara Mine")
    login(therapist)

    response = client.get(detail(mine))

    assert response.status_code == 200
    assert "Yara Mine" in response.content.decode()


def test_supervisor_sees_the_accepted_referrals_of_their_supervisees_clients(
    client, login, supervisor, therapist
):
    theirs = accepted_for(therapist, "Sam Supervised")
    login(supervisor)

    response = client.get(f"{LIST}?status=accepted")

    assert [r.full_name for r in response.context["page"]] == ["Sam Supervised"]
    assert client.get(detail(theirs)).status_code == 200


def test_unassigned_referrals_are_not_shown_to_clinicians_outside_triage(
    client, login, practice, therapist
):
    new = ReferralFactory(practice=practice, full_name="Nell New")
    login(therapist)

    listed = client.get(LIST)
    opened = client.get(detail(new))
    created = client.get(reverse("clinic:referral-create"))

    assert (listed.status_code, list(listed.context["page"])) == (200, [])
    assert "Nell New" not in listed.content.decode()
    assert (opened.status_code, created.status_code) == (404, 403)


def test_admin_sees_every_referral_of_the_practice(client, login, practice, admin, therapist):
    new = ReferralFactory(practice=practice, full_name="Nell New")
    accepted_for(therapist, "Ada Accepted")
    login(admin)

    open_list = client.get(LIST)
    accepted_list = client.get(f"{LIST}?status=accepted")

    assert [r.full_name for r in open_list.context["page"]] == ["Nell New"]
    assert [r.full_name for r in accepted_list.context["page"]] == ["Ada Accepted"]
    assert client.get(detail(new)).status_code == 200


def test_practice_that_makes_clinicians_triage_shows_them_unassigned_referrals(
    client, login, clinicians_triage, therapist, other_therapist
):
    new = ReferralFactory(practice=therapist.practice, full_name="Nell New")
    accepted_for(other_therapist, "Zed Notmine")
    login(therapist)

    open_list = client.get(LIST)
    accepted_list = client.get(f"{LIST}?status=accepted")

    assert [r.full_name for r in open_list.context["page"]] == ["Nell New"]
    assert list(accepted_list.context["page"]) == []
    assert client.get(detail(new)).status_code == 200
