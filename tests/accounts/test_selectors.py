from patternwork.accounts.models import Membership
from patternwork.accounts.selectors import active_clinicians, therapists_of_practice
from tests.factories import MembershipFactory

Role = Membership.Role


def member(practice, role, name, **extra):
    return MembershipFactory(practice=practice, role=role, user__full_name=name, **extra)


def test_active_clinicians_are_active_therapists_and_supervisors_by_name(practice, other_practice):
    zoe = member(practice, Role.THERAPIST, "Zoe Therapist")
    ann = member(practice, Role.SUPERVISOR, "Ann Supervisor")
    member(practice, Role.ADMIN, "Abe Admin")
    member(practice, Role.THERAPIST, "Ben Left", is_active=False)
    member(practice, Role.THERAPIST, "Bea Locked Out", user__is_active=False)
    member(other_practice, Role.THERAPIST, "Al Elsewhere")

    assert list(active_clinicians(practice)) == [ann, zoe]


def test_active_clinicians_with_the_same_name_keep_a_fixed_order(practice):
    first = member(practice, Role.THERAPIST, "Sam Same")
    second = member(practice, Role.SUPERVISOR, "Sam Same")

    assert list(active_clinicians(practice)) == [first, second]
    assert list(active_clinicians(practice).reverse()) == [second, first]


def test_therapists_of_practice_are_the_active_clinicians_who_are_therapists(practice):
    therapist = member(practice, Role.THERAPIST, "Zoe Therapist")
    member(practice, Role.SUPERVISOR, "Ann Supervisor")
    member(practice, Role.THERAPIST, "Bea Locked Out", user__is_active=False)

    assert list(therapists_of_practice(practice)) == [therapist]


def test_clinician_roles_are_therapist_and_supervisor():
    assert set(Membership.CLINICIAN_ROLES) == {Role.THERAPIST, Role.SUPERVISOR}
