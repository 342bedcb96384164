"""The accounts services: practices, staff, passwords and closure days, each audited."""

import datetime as dt
import re

import pytest
from django.contrib.auth import authenticate
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.urls import resolve

from patternwork.accounts import services, tokens
from patternwork.accounts.models import ClosureDay, Membership, Practice, User
from patternwork.audit.models import AuditEvent
from patternwork.formulation.categories import DEFAULT_CATEGORIES
from patternwork.formulation.models import Category
from patternwork.supervision.models import Rubric
from patternwork.supervision.rubric import DEFAULT_ITEMS
from patternwork.treatment.selectors import active_feed_for_token
from patternwork.treatment.services.calendar import create_feed
from tests.accounts.writes import audit_text, counts, service_writes
from tests.factories import TEST_PASSWORD, MembershipFactory

pytestmark = pytest.mark.usefixtures("frozen")

NOW = dt.datetime(2026, 4, 1, 11, 0, tzinfo=dt.UTC)
Role = Membership.Role
NEW_PASSWORD = "a quiet morning by the canal"
BASE = "https://patternwork.example.test"


def event(action: str) -> AuditEvent:
    return AuditEvent.objects.get(action=action)


def who(audit: AuditEvent) -> tuple:
    return (audit.actor, audit.actor_role, audit.practice, audit.object_type, audit.object_id)


def logs_in(user: User, password: str = TEST_PASSWORD) -> bool:
    return authenticate(None, username=user.email, password=password) == user


def link_token(body: str) -> str:
    return resolve(re.search(rf"{re.escape(BASE)}(/\S+/)", body).group(1)).kwargs["token"]


@pytest.fixture
def deputy(practice):
    """A second active admin of the practice."""
    return MembershipFactory(practice=practice, role=Role.ADMIN, user__full_name="Gil Deputy")


# ---- create_practice ------------------------------------------------------------------


def test_create_practice_makes_the_practice_its_admin_and_defaults_together(
    db, django_capture_on_commit_callbacks
):
    with service_writes() as written, django_capture_on_commit_callbacks(execute=True):
        practice, membership = services.create_practice(
            name="Eastfield Therapies",
            admin_email="  Lee.Lead@Eastfield.Example.test ",
            admin_name="  Lee Lead ",
        )

    user = membership.user
    assert (practice.name, practice.slug) == ("Eastfield Therapies", "eastfield-therapies")
    assert (membership.practice, membership.role, membership.is_active) == (
        practice,
        Role.ADMIN,
        True,
    )
    assert (user.email, user.full_name, user.has_usable_password()) == (
        "lee.lead@eastfield.example.test",
        "Lee Lead",
        False,
    )
    assert Category.objects.filter(practice=practice).count() == len(DEFAULT_CATEGORIES)
    assert written.inside == {
        "accounts_practice",
        "accounts_user",
        "accounts_membership",
        "formulation_category",
        "supervision_rubric",
        "supervision_rubricitem",
        # The version of the default set it was given, so it is never upgraded again.
        "formulation_categorysetchange",
        "audit_auditevent",
    }
    assert written.outside == set()
    assert [
        (e.action, e.actor, e.practice, e.object_type, e.object_id, e.changes)
        for e in AuditEvent.objects.order_by("id")
    ] == [
        ("practice.create", None, practice, "accounts.practice", str(practice.public_id), {}),
        (
            "category.defaults",
            None,
            practice,
            "formulation.category",
            "",
            {"created": len(DEFAULT_CATEGORIES)},
        ),
        (
            "rubric.defaults",
            None,
            practice,
            "supervision.rubric",
            str(Rubric.objects.get(practice=practice).public_id),
            {"items": len(DEFAULT_ITEMS)},
        ),
        (
            "staff.invite",
            None,
            practice,
            "accounts.membership",
            str(membership.public_id),
            {"role": [None, "admin"]},
        ),
    ]
    # The command prints the first admin's link; the service sends nothing.
    assert mail.outbox == []


def test_create_practice_audits_the_member_who_created_it(admin):
    practice, _membership = services.create_practice(
        name="Eastfield",
        admin_email="lee@eastfield.example.test",
        admin_name="Lee",
        actor=admin.user,
    )

    created = AuditEvent.objects.filter(
        practice=practice, action__in=["practice.create", "staff.invite"]
    )
    assert {(e.action, e.actor, e.actor_label) for e in created} == {
        ("practice.create", admin.user, admin.user.email),
        ("staff.invite", admin.user, admin.user.email),
    }


def test_create_practice_slugifies_the_short_name_it_is_given(db):
    practice, _membership = services.create_practice(
        name="Eastfield", slug=" East Field & Co! ", admin_email="a@example.test", admin_name="A"
    )

    assert practice.slug == "east-field-co"


def test_create_practice_refuses_a_taken_short_name_and_writes_nothing(practice):
    before = counts(Practice, User, Membership, Category)

    with pytest.raises(ValidationError) as refused:
        services.create_practice(
            name="Another Northgate",
            slug="Northgate",
            admin_email="new@example.test",
            admin_name="New Person",
        )

    assert refused.value.message_dict == {"slug": [services.SLUG_TAKEN.format(slug="northgate")]}
    assert counts(Practice, User, Membership, Category) == before


def test_create_practice_with_a_bad_admin_email_rolls_the_practice_back(db):
    with pytest.raises(ValidationError) as refused:
        services.create_practice(
            name="Eastfield", admin_email="not an address", admin_name="Lee Lead"
        )

    assert set(refused.value.message_dict) == {"email"}
    assert counts(Practice, User, Membership, Category) == {
        "accounts.Practice": 0,
        "accounts.User": 0,
        "accounts.Membership": 0,
        "formulation.Category": 0,
        "audit.AuditEvent": 0,
    }


def test_create_practice_makes_an_existing_user_admin_without_a_second_account(
    foreign_therapist,
):
    person = foreign_therapist.user

    _practice, membership = services.create_practice(
        name="Eastfield", admin_email=person.email.upper(), admin_name="Another Name"
    )

    person.refresh_from_db()
    assert membership.user == person
    assert (person.full_name, person.check_password(TEST_PASSWORD)) == ("Dr Fay Elsewhere", True)
    assert User.objects.filter(email=person.email).count() == 1


# ---- invitation_url, invite_staff, accept_invitation ----------------------------------


def test_invitation_url_is_built_on_the_configured_base_url(settings, therapist):
    settings.PATTERNWORK_BASE_URL = f"{BASE}/"

    url = services.invitation_url(therapist.user)

    assert url.startswith(f"{BASE}/invitation/")
    assert tokens.user_for_invitation_token(link_token(url)) == therapist.user


def test_invite_staff_adds_the_member_audits_and_emails_the_link_after_commit(
    settings, admin, django_capture_on_commit_callbacks
):
    settings.PATTERNWORK_BASE_URL = BASE

    with (
        service_writes() as written,
        django_capture_on_commit_callbacks(execute=False) as after_commit,
    ):
        membership = services.invite_staff(
            practice=admin.practice,
            email=" Nia.Newcomer@Example.test ",
            full_name=" Nia Newcomer ",
            role=Role.THERAPIST,
            invited_by=admin,
        )
    outbox_before_commit = list(mail.outbox)
    for callback in after_commit:
        callback()

    user = membership.user
    assert (user.email, user.full_name, user.has_usable_password()) == (
        "nia.newcomer@example.test",
        "Nia Newcomer",
        False,
    )
    assert (membership.practice, membership.role, membership.is_active) == (
        admin.practice,
        Role.THERAPIST,
        True,
    )
    # The invitation email is queued in the outbox with the membership, and sent on commit.
    assert written.inside == {
        "accounts_user",
        "accounts_membership",
        "audit_auditevent",
        "messaging_message",
    }
    assert written.outside == set()
    invite = event("staff.invite")
    assert who(invite) == (
        admin.user,
        "admin",
        admin.practice,
        "accounts.membership",
        str(membership.public_id),
    )
    assert invite.changes == {"role": [None, "therapist"]}
    assert outbox_before_commit == []
    [message] = mail.outbox
    assert message.to == ["nia.newcomer@example.test"]
    assert message.subject == "You have been invited to Northgate Therapies on Patternwork"
    assert "Set your password within 72 hours at:" in message.body
    assert tokens.user_for_invitation_token(link_token(message.body)) == user


def test_invite_staff_refuses_an_existing_member_whatever_the_case_of_the_address(
    admin, therapist, django_capture_on_commit_callbacks
):
    before = counts(User, Membership)

    with (
        pytest.raises(ValidationError) as refused,
        django_capture_on_commit_callbacks() as after_commit,
    ):
        services.invite_staff(
            practice=admin.practice,
            email=therapist.user.email.upper(),
            full_name="Ada Again",
            role=Role.SUPERVISOR,
            invited_by=admin,
        )

    assert refused.value.message_dict == {"email": [services.ALREADY_MEMBER]}
    assert counts(User, Membership) == before
    assert after_commit == []


def test_invite_staff_refuses_an_unknown_role_and_leaves_no_account_behind(
    admin, django_capture_on_commit_callbacks
):
    before = counts(User, Membership)

    with (
        pytest.raises(ValidationError) as refused,
        django_capture_on_commit_callbacks() as after_commit,
    ):
        services.invite_staff(
            practice=admin.practice,
            email="nia@example.test",
            full_name="Nia Newcomer",
            role="owner",
            invited_by=admin,
        )

    assert set(refused.value.message_dict) == {"role"}
    assert counts(User, Membership) == before
    assert after_commit == []


def test_invite_staff_of_someone_with_a_password_adds_them_without_a_link(
    admin, foreign_therapist, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as after_commit:
        membership = services.invite_staff(
            practice=admin.practice,
            email=foreign_therapist.user.email,
            full_name="Fay Elsewhere",
            role=Role.THERAPIST,
            invited_by=admin,
        )

    assert membership.user == foreign_therapist.user
    assert User.objects.count() == 2
    assert (after_commit, mail.outbox) == ([], [])
    assert event("staff.invite").practice == admin.practice


def test_invitation_link_works_for_72_hours_and_no_longer(frozen, admin):
    membership = services.invite_staff(
        practice=admin.practice,
        email="nia@example.test",
        full_name="Nia Newcomer",
        role=Role.THERAPIST,
        invited_by=admin,
    )
    token = tokens.make_invitation_token(membership.user)

    frozen.move_to(NOW + dt.timedelta(hours=72))
    still_good = tokens.user_for_invitation_token(token)
    frozen.move_to(NOW + dt.timedelta(hours=72, seconds=1))
    with pytest.raises(tokens.InvalidToken) as expired:
        tokens.user_for_invitation_token(token)

    assert still_good == membership.user
    assert str(expired.value) == "expired"


@pytest.mark.parametrize(
    "token",
    [
        "not-a-real-token",
        signing.dumps({"u": "0", "s": "0"}, salt="patternwork.clients.logins-invitation"),
    ],
    ids=["forged", "signed for the portal"],
)
def test_invitation_link_that_is_not_a_staff_invitation_is_invalid(db, token):
    with pytest.raises(tokens.InvalidToken) as refused:
        tokens.user_for_invitation_token(token)

    assert str(refused.value) == "invalid"


def test_accept_invitation_sets_the_password_audits_without_it_and_kills_the_link(admin):
    membership = services.invite_staff(
        practice=admin.practice,
        email="nia@example.test",
        full_name="Nia Newcomer",
        role=Role.THERAPIST,
        invited_by=admin,
    )
    user = membership.user
    token = tokens.make_invitation_token(user)

    with service_writes() as written:
        services.accept_invitation(user=user, password=NEW_PASSWORD)

    assert logs_in(user, NEW_PASSWORD)
    assert written.inside == {"accounts_user", "audit_auditevent"}
    assert written.outside == set()
    accepted = event("staff.invitation_accepted")
    assert who(accepted) == (user, "", admin.practice, "accounts.user", str(user.public_id))
    assert accepted.changes == {}
    assert NEW_PASSWORD not in audit_text()
    assert user.password not in audit_text()
    with pytest.raises(tokens.InvalidToken) as used:
        tokens.user_for_invitation_token(token)
    assert str(used.value) == "used"


def test_invitation_link_dies_when_the_member_is_deactivated_before_using_it(admin):
    membership = services.invite_staff(
        practice=admin.practice,
        email="nia@example.test",
        full_name="Nia Newcomer",
        role=Role.THERAPIST,
        invited_by=admin,
    )
    token = tokens.make_invitation_token(membership.user)

    services.deactivate_member(membership=membership, deactivated_by=admin)

    with pytest.raises(tokens.InvalidToken) as refused:
        tokens.user_for_invitation_token(token)
    assert str(refused.value) == "used"


# ---- change_password ------------------------------------------------------------------


def test_change_password_replaces_the_hash_and_audits_without_the_password(therapist):
    user = therapist.user
    old_session_hash = user.get_session_auth_hash()

    with service_writes() as written:
        services.change_password(user=user, password=NEW_PASSWORD)

    user.refresh_from_db()
    assert (logs_in(user, NEW_PASSWORD), logs_in(user, TEST_PASSWORD)) == (True, False)
    # Sessions carry the old hash, so every other session of the user ends.
    assert user.get_session_auth_hash() != old_session_hash
    assert written.inside == {"accounts_user", "audit_auditevent"}
    assert written.outside == set()
    changed = event("auth.password_changed")
    assert who(changed) == (user, "", therapist.practice, "accounts.user", str(user.public_id))
    assert changed.changes == {}
    assert NEW_PASSWORD not in audit_text()
    assert user.password not in audit_text()


def test_change_password_kills_an_outstanding_invitation_link(therapist):
    token = tokens.make_invitation_token(therapist.user)

    services.change_password(user=therapist.user, password=NEW_PASSWORD)

    with pytest.raises(tokens.InvalidToken) as refused:
        tokens.user_for_invitation_token(token)
    assert str(refused.value) == "used"


# ---- change_role ----------------------------------------------------------------------


def test_change_role_saves_the_role_and_audits_old_and_new(admin, therapist):
    with service_writes() as written:
        changed = services.change_role(membership=therapist, role=Role.SUPERVISOR, changed_by=admin)

    therapist.refresh_from_db()
    assert (changed, therapist.role) == (therapist, Role.SUPERVISOR)
    assert "audit_auditevent" in written.inside
    assert written.outside == set()
    audit = event("staff.change_role")
    assert who(audit) == (
        admin.user,
        "admin",
        admin.practice,
        "accounts.membership",
        str(therapist.public_id),
    )
    assert audit.changes == {"role": ["therapist", "supervisor"]}


def test_change_role_to_the_role_held_writes_nothing(admin, therapist):
    before = counts(Membership)

    services.change_role(membership=therapist, role=Role.THERAPIST, changed_by=admin)

    assert counts(Membership) == before


@pytest.mark.parametrize("other_admin", [None, "deactivated"])
def test_change_role_refuses_to_demote_the_last_active_admin(admin, practice, other_admin):
    if other_admin:
        MembershipFactory(practice=practice, role=Role.ADMIN, is_active=False)
    before = counts(Membership)

    with pytest.raises(ValidationError) as refused:
        services.change_role(membership=admin, role=Role.THERAPIST, changed_by=admin)

    admin.refresh_from_db()
    assert refused.value.messages == [services.LAST_ADMIN]
    assert admin.role == Role.ADMIN
    assert counts(Membership) == before


def test_change_role_lets_an_admin_step_down_while_another_admin_remains(admin, deputy):
    services.change_role(membership=admin, role=Role.SUPERVISOR, changed_by=admin)

    admin.refresh_from_db()
    assert admin.role == Role.SUPERVISOR
    assert event("staff.change_role").actor == admin.user


def test_change_role_refuses_an_unknown_role_and_writes_nothing(admin, therapist):
    before = counts(Membership)

    with pytest.raises(ValidationError) as refused:
        services.change_role(membership=therapist, role="owner", changed_by=admin)

    therapist.refresh_from_db()
    assert set(refused.value.message_dict) == {"role"}
    assert therapist.role == Role.THERAPIST
    assert counts(Membership) == before


def test_change_role_away_from_supervisor_ends_their_supervision(admin, supervisor, therapist):
    services.change_role(membership=supervisor, role=Role.THERAPIST, changed_by=admin)

    assert list(supervisor.supervisees.all()) == []
    assert list(therapist.supervisors.all()) == []
    assert event("staff.change_role").changes == {
        "role": ["supervisor", "therapist"],
        "supervisees": [[str(therapist.public_id)], []],
    }


def test_change_role_away_from_therapist_takes_them_off_their_supervisors_list(
    admin, supervisor, therapist
):
    services.change_role(membership=therapist, role=Role.ADMIN, changed_by=admin)

    assert list(supervisor.supervisees.all()) == []
    assert event("staff.change_role").changes == {
        "role": ["therapist", "admin"],
        "supervisors": [[str(supervisor.public_id)], []],
    }


# ---- set_supervisees ------------------------------------------------------------------


def test_set_supervisees_replaces_the_set_and_audits_public_ids(
    admin, supervisor, therapist, other_therapist
):
    with service_writes() as written:
        services.set_supervisees(
            supervisor=supervisor, supervisees=[other_therapist], changed_by=admin
        )

    assert list(supervisor.supervisees.all()) == [other_therapist]
    assert written.inside == {"accounts_membership_supervisees", "audit_auditevent"}
    assert written.outside == set()
    audit = event("staff.set_supervisees")
    assert who(audit) == (
        admin.user,
        "admin",
        admin.practice,
        "accounts.membership",
        str(supervisor.public_id),
    )
    assert audit.changes == {
        "supervisees": [[str(therapist.public_id)], [str(other_therapist.public_id)]]
    }


def test_set_supervisees_to_none_clears_them(admin, supervisor, therapist):
    services.set_supervisees(supervisor=supervisor, supervisees=[], changed_by=admin)

    assert list(supervisor.supervisees.all()) == []
    assert event("staff.set_supervisees").changes == {
        "supervisees": [[str(therapist.public_id)], []]
    }


@pytest.mark.parametrize(
    "candidate",
    [
        {"elsewhere": True},
        {"role": Role.SUPERVISOR},
        {"role": Role.ADMIN},
        {"is_active": False},
        {"user__is_active": False},
    ],
    ids=["another practice", "supervisor", "admin", "left the practice", "login deactivated"],
)
def test_set_supervisees_refuses_anyone_but_active_therapists_of_the_practice(
    admin, supervisor, therapist, other_practice, candidate
):
    candidate = dict(candidate)
    home = other_practice if candidate.pop("elsewhere", False) else supervisor.practice
    stranger = MembershipFactory(practice=home, **({"role": Role.THERAPIST} | candidate))
    before = counts(Membership)

    with pytest.raises(ValidationError) as refused:
        services.set_supervisees(
            supervisor=supervisor, supervisees=[therapist, stranger], changed_by=admin
        )

    assert refused.value.messages == [services.SUPERVISEE_NOT_THERAPIST]
    assert list(supervisor.supervisees.all()) == [therapist]
    assert counts(Membership) == before


def test_set_supervisees_refuses_a_member_who_is_not_a_supervisor(
    admin, therapist, other_therapist
):
    before = counts(Membership)

    with pytest.raises(ValidationError) as refused:
        services.set_supervisees(
            supervisor=therapist, supervisees=[other_therapist], changed_by=admin
        )

    assert refused.value.messages == [services.NOT_A_SUPERVISOR]
    assert list(therapist.supervisees.all()) == []
    assert counts(Membership) == before


# ---- deactivate_member, reactivate_member ---------------------------------------------


def test_deactivate_member_ends_membership_and_login_and_audits(admin, therapist):
    with service_writes() as written:
        services.deactivate_member(membership=therapist, deactivated_by=admin)

    therapist.refresh_from_db()
    assert (therapist.is_active, therapist.deactivated_at) == (False, NOW)
    assert therapist.user.is_active is False
    assert not logs_in(therapist.user)
    assert written.inside == {"accounts_membership", "accounts_user", "audit_auditevent"}
    assert written.outside == set()
    audit = event("staff.deactivate")
    assert who(audit) == (
        admin.user,
        "admin",
        admin.practice,
        "accounts.membership",
        str(therapist.public_id),
    )
    assert audit.changes == {"is_active": [True, False]}


def test_deactivate_member_keeps_the_login_of_someone_active_in_another_practice(
    admin, therapist, other_practice
):
    MembershipFactory(user=therapist.user, practice=other_practice)

    services.deactivate_member(membership=therapist, deactivated_by=admin)

    therapist.user.refresh_from_db()
    assert therapist.user.is_active is True
    assert logs_in(therapist.user)


def test_a_deactivated_members_calendar_feed_stops_and_returns_on_reactivation(admin, therapist):
    feed, token = create_feed(membership=therapist)

    services.deactivate_member(membership=therapist, deactivated_by=admin)
    while_gone = active_feed_for_token(token)
    services.reactivate_member(membership=therapist, reactivated_by=admin)

    assert while_gone is None
    assert active_feed_for_token(token) == feed


def test_deactivate_member_refuses_ones_own_membership(admin, deputy):
    before = counts(Membership, User)

    with pytest.raises(ValidationError) as refused:
        services.deactivate_member(membership=admin, deactivated_by=admin)

    admin.refresh_from_db()
    assert refused.value.messages == [services.CANNOT_DEACTIVATE_SELF]
    assert admin.is_active is True
    assert counts(Membership, User) == before


def test_deactivate_member_refuses_the_last_active_admin(admin, supervisor):
    before = counts(Membership, User)

    with pytest.raises(ValidationError) as refused:
        services.deactivate_member(membership=admin, deactivated_by=supervisor)

    admin.refresh_from_db()
    assert refused.value.messages == [services.LAST_ADMIN]
    assert admin.is_active is True
    assert counts(Membership, User) == before


def test_deactivate_member_lets_one_admin_deactivate_another(admin, deputy):
    services.deactivate_member(membership=deputy, deactivated_by=admin)

    deputy.refresh_from_db()
    assert deputy.is_active is False


def test_reactivate_member_restores_membership_and_login_and_audits(frozen, admin, therapist):
    services.deactivate_member(membership=therapist, deactivated_by=admin)
    frozen.shift(dt.timedelta(days=3))

    with service_writes() as written:
        services.reactivate_member(membership=therapist, reactivated_by=admin)

    therapist.refresh_from_db()
    assert (therapist.is_active, therapist.deactivated_at, therapist.user.is_active) == (
        True,
        None,
        True,
    )
    assert logs_in(therapist.user)
    assert written.inside == {"accounts_membership", "accounts_user", "audit_auditevent"}
    assert written.outside == set()
    audit = event("staff.reactivate")
    assert who(audit) == (
        admin.user,
        "admin",
        admin.practice,
        "accounts.membership",
        str(therapist.public_id),
    )
    assert audit.changes == {"is_active": [False, True]}


def test_deactivating_an_inactive_member_keeps_the_first_date_and_writes_nothing(
    frozen, admin, therapist
):
    services.deactivate_member(membership=therapist, deactivated_by=admin)
    frozen.shift(dt.timedelta(days=3))
    before = counts(Membership, User)

    services.deactivate_member(membership=therapist, deactivated_by=admin)

    therapist.refresh_from_db()
    assert therapist.deactivated_at == NOW
    assert counts(Membership, User) == before


def test_reactivating_an_active_member_writes_nothing(admin, therapist):
    before = counts(Membership, User)

    services.reactivate_member(membership=therapist, reactivated_by=admin)

    assert counts(Membership, User) == before


# ---- update_practice ------------------------------------------------------------------


def settings_of(practice: Practice, **changes) -> dict:
    return {field: getattr(practice, field) for field in services.PRACTICE_FIELDS} | changes


def test_update_practice_saves_the_changed_fields_and_audits_them(admin, practice):
    data = settings_of(practice, name="Northgate Therapies CIC", phone="01632 960123")

    with service_writes() as written:
        change = services.update_practice(practice=practice, data=data, changed_by=admin)

    stored = Practice.objects.get(pk=practice.pk)
    assert change == services.PracticeChange(stored, ("name", "phone"))
    assert (stored.name, stored.phone) == ("Northgate Therapies CIC", "01632 960123")
    assert written.inside == {"accounts_practice", "audit_auditevent"}
    assert written.outside == set()
    audit = event("practice.update")
    assert who(audit) == (
        admin.user,
        "admin",
        practice,
        "accounts.practice",
        str(practice.public_id),
    )
    assert audit.changes == {
        "name": ["Northgate Therapies", "Northgate Therapies CIC"],
        "phone": ["", "01632 960123"],
    }


def test_update_practice_audits_letting_admins_read_clinical_records(admin, practice):
    change = services.update_practice(
        practice=practice, data={"admins_read_clinical": True}, changed_by=admin
    )

    assert change.changed == ("admins_read_clinical",)
    assert event("practice.update").changes == {"admins_read_clinical": [False, True]}


def test_update_practice_without_a_change_returns_none_and_writes_nothing(admin, practice):
    stamped = practice.updated_at
    before = counts(Practice)

    change = services.update_practice(
        practice=practice, data=settings_of(practice), changed_by=admin
    )

    assert change.changed == ()
    assert Practice.objects.get(pk=practice.pk).updated_at == stamped
    assert counts(Practice) == before


def test_update_practice_leaves_fields_it_does_not_own(admin, practice):
    data = {"slug": "taken-over", "is_demo": True, "next_client_number": 99}

    change = services.update_practice(practice=practice, data=data, changed_by=admin)

    stored = Practice.objects.get(pk=practice.pk)
    assert change.changed == ()
    assert (stored.slug, stored.is_demo, stored.next_client_number) == ("northgate", False, 1)
    assert not AuditEvent.objects.exists()


def test_update_practice_compares_with_the_stored_row_not_the_instance_given(admin, practice):
    # A bound ModelForm has already copied its input onto the instance it was given.
    practice.name = "Northgate Therapies CIC"

    change = services.update_practice(
        practice=practice, data={"name": "Northgate Therapies CIC"}, changed_by=admin
    )

    assert change.changed == ("name",)
    assert event("practice.update").changes == {
        "name": ["Northgate Therapies", "Northgate Therapies CIC"]
    }


def test_update_practice_refuses_an_unknown_time_zone_and_keeps_the_stored_row(admin, practice):
    before = counts(Practice)

    with pytest.raises(ValidationError) as refused:
        services.update_practice(
            practice=practice,
            data={"name": "Renamed", "time_zone": "Mars/Olympus"},
            changed_by=admin,
        )

    stored = Practice.objects.get(pk=practice.pk)
    assert set(refused.value.message_dict) == {"time_zone"}
    assert (stored.name, stored.time_zone) == ("Northgate Therapies", "Europe/London")
    assert counts(Practice) == before


# ---- add_closure_day, remove_closure_day ----------------------------------------------

CHRISTMAS = dt.date(2026, 12, 25)


def test_add_closure_day_saves_the_trimmed_label_and_audits_the_date(admin, practice):
    with service_writes() as written:
        closure = services.add_closure_day(
            practice=practice, day=CHRISTMAS, label="  Christmas Day ", by=admin
        )

    assert (closure.practice, closure.date, closure.label) == (
        practice,
        CHRISTMAS,
        "Christmas Day",
    )
    assert written.inside == {"accounts_closureday", "audit_auditevent"}
    assert written.outside == set()
    audit = event("practice.closure_add")
    assert who(audit) == (admin.user, "admin", practice, "accounts.closureday", "2026-12-25")
    assert audit.changes == {"label": [None, "Christmas Day"]}


def test_add_closure_day_refuses_a_day_already_closed(admin, practice):
    services.add_closure_day(practice=practice, day=CHRISTMAS, label="Christmas Day", by=admin)
    before = counts(ClosureDay)

    with pytest.raises(ValidationError) as refused:
        services.add_closure_day(practice=practice, day=CHRISTMAS, label="Again", by=admin)

    assert refused.value.message_dict == {
        "date": [services.CLOSURE_EXISTS.format(day="2026-12-25")]
    }
    assert counts(ClosureDay) == before


def test_the_same_day_may_be_closed_by_two_practices(admin, foreign_admin):
    services.add_closure_day(
        practice=admin.practice, day=CHRISTMAS, label="Christmas Day", by=admin
    )
    services.add_closure_day(
        practice=foreign_admin.practice, day=CHRISTMAS, label="Christmas Day", by=foreign_admin
    )

    assert ClosureDay.objects.filter(date=CHRISTMAS).count() == 2


def test_remove_closure_day_deletes_it_and_audits_the_date(admin, practice):
    services.add_closure_day(practice=practice, day=CHRISTMAS, label="Christmas Day", by=admin)

    with service_writes() as written:
        removed = services.remove_closure_day(practice=practice, day=CHRISTMAS, by=admin)

    assert removed is True
    assert not ClosureDay.objects.exists()
    assert written.inside == {"accounts_closureday", "audit_auditevent"}
    assert written.outside == set()
    audit = event("practice.closure_remove")
    assert who(audit) == (admin.user, "admin", practice, "accounts.closureday", "2026-12-25")


def test_remove_closure_day_of_an_open_day_or_another_practices_writes_nothing(
    admin, practice, foreign_admin
):
    services.add_closure_day(
        practice=foreign_admin.practice, day=CHRISTMAS, label="Christmas Day", by=foreign_admin
    )
    before = counts(ClosureDay)

    removed = services.remove_closure_day(practice=practice, day=CHRISTMAS, by=admin)

    assert removed is False
    assert counts(ClosureDay) == before
