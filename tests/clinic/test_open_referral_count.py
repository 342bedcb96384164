"""Referral counts by status (the navigation's open count, the triage tabs): a prepared
query that counts what referrals_for shows, for every role and triage setting."""

import pytest

from patternwork.clients.models import Referral
from patternwork.clients.selectors import referral_status_counts, referrals_for
from patternwork.clinic.context_processors import open_referral_count
from patternwork.clinic.forms.referrals import OPEN_STATUSES
from tests.factories import ClientFactory, ReferralFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def referrals(practice, other_practice, therapist, other_therapist):
    ReferralFactory.create_batch(2, practice=practice, status="new")
    mine = ClientFactory(practice=practice, therapist=therapist)
    ReferralFactory(practice=practice, status="contacted", client=mine)
    theirs = ClientFactory(practice=practice, therapist=other_therapist)
    ReferralFactory(practice=practice, status="new", client=theirs)
    ReferralFactory(practice=practice, status="accepted", client=mine)
    ReferralFactory(practice=other_practice, status="new")


def _expected(membership):
    return referrals_for(membership).filter(status__in=OPEN_STATUSES).count()


@pytest.mark.parametrize("triage", [False, True])
def test_each_role_counts_what_it_sees(
    referrals, practice, therapist, other_therapist, supervisor, admin, triage
):
    practice.clinicians_triage_referrals = triage
    practice.save(update_fields=["clinicians_triage_referrals"])

    for member in (therapist, other_therapist, supervisor, admin):
        member.refresh_from_db()
        assert open_referral_count(member) == _expected(member), member.role
        assert referral_status_counts(member) == {
            status: referrals_for(member).filter(status=status).count()
            for status in Referral.Status.values
        }, member.role
    assert (open_referral_count(therapist), open_referral_count(admin)) == (
        (3, 4) if triage else (1, 4)
    )


def test_a_member_of_another_practice_counts_its_own(referrals, foreign_admin):
    assert open_referral_count(foreign_admin) == 1


def test_none_open_counts_zero(practice, therapist, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert open_referral_count(therapist) == 0
