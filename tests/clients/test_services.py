import pytest
from django.core.exceptions import ValidationError

from patternwork.accounts.models import Membership
from patternwork.clients.services import THERAPIST_NOT_IN_PRACTICE, check_therapist
from tests.factories import MembershipFactory

Role = Membership.Role


@pytest.mark.parametrize(
    "who",
    [
        {"role": Role.ADMIN},
        {"is_active": False},
        {"user__is_active": False},
        {"elsewhere": True},
    ],
    ids=["admin", "left the practice", "login deactivated", "another practice"],
)
def test_check_therapist_refuses_who_the_choice_lists_leave_out(practice, other_practice, who):
    who = dict(who)
    home = other_practice if who.pop("elsewhere", False) else practice
    member = MembershipFactory(practice=home, **({"role": Role.THERAPIST} | who))

    with pytest.raises(ValidationError) as refused:
        check_therapist(practice, member)

    assert refused.value.message_dict == {"therapist": [THERAPIST_NOT_IN_PRACTICE]}


@pytest.mark.parametrize("role", [Role.THERAPIST, Role.SUPERVISOR])
def test_check_therapist_accepts_an_active_clinician(practice, role):
    check_therapist(practice, MembershipFactory(practice=practice, role=role))
