import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from patternwork.accounts import selectors
from patternwork.accounts.models import Membership, Practice
from patternwork.accounts.services import (
    NOT_A_CLINICIAN,
    update_practice,
    update_profile,
)
from patternwork.audit.models import AuditEvent
from tests.factories import MembershipFactory

PROFILE = {
    "accepts_referrals": True,
    "display_name": "Ada T.",
    "registration": "BACP registered member",
    "modalities": "DIT, counselling",
    "dit_accredited": True,
    "languages": "English, Polish",
    "sees_in_person": True,
    "sees_online": False,
    "profile_text": "I work with adults.",
}


def test_update_profile_writes_the_fields_and_audits_them_in_full(therapist):
    change = update_profile(membership=therapist, data=PROFILE, changed_by=therapist)

    therapist.refresh_from_db()
    assert {field: getattr(therapist, field) for field in PROFILE} == PROFILE
    assert set(change.changed) == set(PROFILE) - {"sees_online"}
    event = AuditEvent.objects.get(action="membership.profile_update")
    assert (event.actor, event.practice, event.object_id) == (
        therapist.user,
        therapist.practice,
        str(therapist.public_id),
    )
    assert event.changes["profile_text"] == ["", "I work with adults."]


def test_update_profile_without_a_change_audits_nothing(therapist):
    update_profile(membership=therapist, data=PROFILE, changed_by=therapist)

    change = update_profile(membership=therapist, data=PROFILE, changed_by=therapist)

    assert change.changed == ()
    assert AuditEvent.objects.filter(action="membership.profile_update").count() == 1


def test_nobody_edits_another_clinicians_profile(therapist, other_therapist, admin):
    for editor in (other_therapist, admin):
        with pytest.raises(PermissionDenied):
            update_profile(membership=therapist, data=PROFILE, changed_by=editor)

    therapist.refresh_from_db()
    assert therapist.accepts_referrals is False
    assert not AuditEvent.objects.filter(action="membership.profile_update").exists()


def test_an_admin_has_no_public_profile(admin):
    with pytest.raises(ValidationError) as error:
        update_profile(membership=admin, data=PROFILE, changed_by=admin)

    assert error.value.messages == [NOT_A_CLINICIAN]


def test_a_profile_text_over_the_limit_is_refused_and_nothing_is_saved(therapist):
    with pytest.raises(ValidationError) as error:
        update_profile(
            membership=therapist,
            data={**PROFILE, "profile_text": "x" * 1001},
            changed_by=therapist,
        )

    assert "profile_text" in error.value.message_dict
    therapist.refresh_from_db()
    assert therapist.profile_text == ""
    assert not AuditEvent.objects.exists()


def test_update_practice_audits_the_public_fields(practice, admin):
    change = update_practice(
        practice=practice,
        data={"taking_referrals": False, "fees": "£60 a session", "public_description": "Hi"},
        changed_by=admin,
    )

    practice.refresh_from_db()
    assert (practice.taking_referrals, practice.fees, practice.public_description) == (
        False,
        "£60 a session",
        "Hi",
    )
    assert set(change.changed) == {"taking_referrals", "fees", "public_description"}
    event = AuditEvent.objects.get(action="practice.update")
    assert event.changes["taking_referrals"] == [True, False]


def test_public_profiles_show_only_active_clinicians_who_chose_to_be_listed(practice, therapist):
    update_profile(membership=therapist, data=PROFILE, changed_by=therapist)
    MembershipFactory(practice=practice, role=Membership.Role.THERAPIST)  # not listed
    gone = MembershipFactory(
        practice=practice, role=Membership.Role.THERAPIST, accepts_referrals=True
    )
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    MembershipFactory(practice=practice, role=Membership.Role.ADMIN, accepts_referrals=True)
    MembershipFactory(role=Membership.Role.THERAPIST, accepts_referrals=True)  # elsewhere

    profiles = selectors.public_profiles(practice)

    assert [p.name for p in profiles] == ["Ada T."]
    assert profiles[0].registration == "BACP registered member"


def test_public_name_falls_back_to_the_full_name(therapist):
    assert therapist.public_name == "Dr Ada Therapist"


def test_public_practices_load_only_public_fields(practice):
    loaded = selectors.public_practices().get(pk=practice.pk)

    assert loaded.get_deferred_fields() >= {"email", "admins_read_clinical", "next_client_number"}
    assert isinstance(loaded, Practice)
