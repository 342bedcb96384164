import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from patternwork.accounts.models import Membership, User
from patternwork.accounts.services import ALREADY_MEMBER, LAST_ADMIN
from patternwork.audit.models import AuditEvent
from tests.conftest import verified_login
from tests.factories import MembershipFactory

INVITE = reverse("clinic:staff-invite")


@pytest.fixture
def invite(client, django_capture_on_commit_callbacks):
    """Post the invitation form; the email goes out after commit, as in production."""

    def _invite(email="new.person@example.test", role="therapist", name="Nia Newcomer"):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(INVITE, {"full_name": name, "email": email, "role": role})

    return _invite


def invitation_link(message) -> str:
    return re.search(r"http://\S+/invitation/\S+/", message.body).group(0)


def test_staff_list_shows_the_practice_only(client, login, admin, therapist, foreign_therapist):
    login(admin)

    response = client.get(reverse("clinic:staff-list"))

    members = list(response.context["members"])
    assert {m.user.full_name for m in members} == {"Dee Admin", "Dr Ada Therapist"}
    assert b"Dr Fay Elsewhere" not in response.content


def test_staff_list_query_count_does_not_grow(client, login, admin, django_assert_num_queries):
    login(admin)
    client.get(reverse("clinic:staff-list"))  # warm the session
    with django_assert_num_queries(7) as few:
        client.get(reverse("clinic:staff-list"))
    baseline = len(few)
    supervisor = MembershipFactory(practice=admin.practice, role=Membership.Role.SUPERVISOR)
    for _ in range(20):
        supervisor.supervisees.add(MembershipFactory(practice=admin.practice))

    with django_assert_num_queries(baseline):
        response = client.get(reverse("clinic:staff-list"))

    assert len(response.context["members"]) == 22


def test_invite_creates_member_sends_link_and_audits(client, login, admin, invite):
    login(admin)

    response = invite()

    member = Membership.objects.get(user__email="new.person@example.test")
    assert response.status_code == 302
    assert response["Location"] == reverse("clinic:staff-detail", args=[member.public_id])
    assert (member.role, member.practice, member.user.has_usable_password()) == (
        "therapist",
        admin.practice,
        False,
    )
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.person@example.test"]
    event = AuditEvent.objects.get(action="staff.invite", object_id=str(member.public_id))
    assert (event.actor, event.practice, event.changes) == (
        admin.user,
        admin.practice,
        {"role": [None, "therapist"]},
    )


def test_invite_rejects_an_existing_member_and_keeps_the_input(
    client, login, admin, therapist, invite
):
    login(admin)

    response = invite(email=therapist.user.email.upper(), name="Typed Name")

    assert response.status_code == 200
    assert ALREADY_MEMBER in response.content.decode()
    assert b'value="Typed Name"' in response.content
    assert Membership.objects.filter(user=therapist.user).count() == 1


def test_invite_rejects_a_bad_role(client, login, admin, invite):
    login(admin)

    response = invite(role="superuser")

    assert response.status_code == 200
    assert response.context["form"].errors["role"]
    assert not User.objects.filter(email="new.person@example.test").exists()


def test_invitation_link_sets_password_once(client, login, admin, invite):
    login(admin)
    invite()
    link = invitation_link(mail.outbox[0])
    client.post(reverse("clinic:logout"))
    path = link.split("http://127.0.0.1:8000", 1)[1]

    page = client.get(path)
    done = client.post(
        path, {"password1": "a long new passphrase", "password2": "a long new passphrase"}
    )
    again = client.get(path)

    user = User.objects.get(email="new.person@example.test")
    assert page.status_code == 200
    assert done.status_code == 302
    assert user.check_password("a long new passphrase")
    assert again.status_code == 400
    assert b"already been used" in again.content


def test_invitation_link_expires_after_72_hours(client, login, admin, invite):
    login(admin)
    invite()
    path = invitation_link(mail.outbox[0]).split("8000", 1)[1]

    with time_machine.travel(timezone.now() + timedelta(hours=72, minutes=1)):
        response = client.get(path)

    assert response.status_code == 400
    assert b"expired" in response.content


def test_invitation_link_tampered_is_refused(client):
    response = client.get(reverse("clinic:invitation-accept", args=["not-a-real-token"]))

    assert response.status_code == 400
    assert b"not valid" in response.content


def test_invitation_rejects_a_short_password(client, login, admin, invite):
    login(admin)
    invite()
    path = invitation_link(mail.outbox[0]).split("8000", 1)[1]

    response = client.post(path, {"password1": "short-pw", "password2": "short-pw"})

    assert response.status_code == 200
    assert "at least 12 characters" in response.content.decode()


def test_change_role_audits_old_and_new(client, login, admin, therapist):
    login(admin)

    response = client.post(
        reverse("clinic:staff-role", args=[therapist.public_id]), {"role": "supervisor"}
    )

    therapist.refresh_from_db()
    assert response.status_code == 302
    assert therapist.role == "supervisor"
    event = AuditEvent.objects.get(action="staff.change_role")
    assert event.changes == {"role": ["therapist", "supervisor"]}


def test_change_role_keeps_the_last_admin(client, login, admin):
    login(admin)

    response = client.post(
        reverse("clinic:staff-role", args=[admin.public_id]), {"role": "therapist"}
    )

    admin.refresh_from_db()
    assert response.status_code == 400
    assert LAST_ADMIN in response.content.decode()
    assert admin.role == "admin"


def test_set_supervisees(client, login, admin, supervisor, therapist, other_therapist):
    login(admin)

    response = client.post(
        reverse("clinic:staff-supervisees", args=[supervisor.public_id]),
        {"supervisees": [other_therapist.pk]},
    )

    assert response.status_code == 302
    assert list(supervisor.supervisees.all()) == [other_therapist]
    event = AuditEvent.objects.get(action="staff.set_supervisees")
    assert event.changes == {
        "supervisees": [[str(therapist.public_id)], [str(other_therapist.public_id)]]
    }


def test_set_supervisees_refuses_another_practices_therapist(
    client, login, admin, supervisor, foreign_therapist
):
    login(admin)

    response = client.post(
        reverse("clinic:staff-supervisees", args=[supervisor.public_id]),
        {"supervisees": [foreign_therapist.pk]},
    )

    assert response.status_code == 400
    assert foreign_therapist not in supervisor.supervisees.all()


def test_deactivate_kills_the_members_session_at_once(client, admin, therapist):
    from django.test import Client

    therapist_client = verified_login(Client(), therapist.user)
    assert therapist_client.get(reverse("clinic:home")).status_code == 200
    verified_login(client, admin.user)

    response = client.post(reverse("clinic:staff-deactivate", args=[therapist.public_id]))

    therapist.refresh_from_db()
    therapist.user.refresh_from_db()
    assert response.status_code == 302
    assert (therapist.is_active, therapist.user.is_active) == (False, False)
    after = therapist_client.get(reverse("clinic:home"))
    assert after.status_code == 302
    assert after["Location"].startswith(reverse("clinic:login"))
    assert AuditEvent.objects.filter(action="staff.deactivate").count() == 1


def test_deactivated_member_cannot_log_in(client, admin, therapist):
    verified_login(client, admin.user)
    client.post(reverse("clinic:staff-deactivate", args=[therapist.public_id]))
    client.post(reverse("clinic:logout"))

    response = client.post(
        reverse("clinic:login"), {"email": therapist.user.email, "password": "x" * 12}
    )

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_admin_cannot_deactivate_themselves(client, login, admin):
    login(admin)

    client.post(reverse("clinic:staff-deactivate", args=[admin.public_id]))

    admin.refresh_from_db()
    assert admin.is_active is True


def test_reactivate(client, login, admin, therapist):
    login(admin)
    client.post(reverse("clinic:staff-deactivate", args=[therapist.public_id]))

    client.post(reverse("clinic:staff-reactivate", args=[therapist.public_id]))

    therapist.refresh_from_db()
    assert (therapist.is_active, therapist.user.is_active) == (True, True)


def test_practice_settings_save_and_audit_changed_fields(client, login, admin):
    login(admin)
    practice = admin.practice
    data = {
        "name": "Northgate Therapies CIC",
        "address": practice.address,
        "phone": "01632 960 123",
        "email": "",
        "time_zone": "Europe/London",
        "crisis_information": practice.crisis_information,
        "taking_referrals": "on",
        "send_appointment_reminders": "on",
        "reminder_lead_hours": "24",
        "offer_window_days": "7",
        "idle_timeout_minutes": "15",
        "recording_retention_days": "90",
    }

    response = client.post(reverse("clinic:practice-settings"), data)

    practice.refresh_from_db()
    assert response.status_code == 302
    assert (practice.name, practice.phone) == ("Northgate Therapies CIC", "01632 960 123")
    event = AuditEvent.objects.get(action="practice.update")
    assert event.changes == {
        "name": ["Northgate Therapies", "Northgate Therapies CIC"],
        "phone": ["", "01632 960 123"],
    }


def test_practice_settings_reject_unknown_time_zone(client, login, admin):
    login(admin)
    data = {"name": "X", "time_zone": "Mars/Olympus", "crisis_information": "Call 999."}

    response = client.post(reverse("clinic:practice-settings"), data)

    admin.practice.refresh_from_db()
    assert response.status_code == 400
    assert "not a known time zone" in response.content.decode()
    assert admin.practice.name == "Northgate Therapies"


@pytest.fixture
def audit_rows(admin, therapist, foreign_admin):
    from patternwork.audit.services import record

    record(action="staff.invite", actor=admin.user, practice=admin.practice, object_id="a")
    record(action="auth.login.password", actor=therapist.user, practice=admin.practice)
    record(action="staff.invite", actor=foreign_admin.user, practice=foreign_admin.practice)


def test_audit_log_lists_own_practice_only(client, login, admin, audit_rows):
    login(admin)

    response = client.get(reverse("clinic:audit-log"))

    actions = [(e.action, e.actor_label) for e in response.context["page"]]
    assert ("staff.invite", "eve-elsewhere") not in actions
    assert {e.practice_id for e in response.context["page"]} == {admin.practice_id}


def test_audit_log_filters(client, login, admin, therapist, audit_rows):
    login(admin)

    response = client.get(reverse("clinic:audit-log"), {"actor": therapist.user.email})

    assert [e.action for e in response.context["page"]] == ["auth.login.password"]


def test_audit_log_shows_a_change_to_a_field_named_items(client, login, admin):
    from patternwork.audit.services import record

    record(action="x.rubric", actor=admin.user, practice=admin.practice, changes={"items": 3})
    login(admin)

    response = client.get(reverse("clinic:audit-log"))

    assert response.status_code == 200
    assert "items: 3" in response.content.decode()


def test_audit_log_rejects_an_inverted_date_range(client, login, admin, audit_rows):
    login(admin)

    response = client.get(
        reverse("clinic:audit-log"), {"since": "2026-05-02", "until": "2026-05-01"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["until"]


def test_audit_log_query_count_is_fixed(client, login, admin, django_assert_num_queries):
    from patternwork.audit.services import record

    login(admin)
    record(action="x.one", actor=admin.user, practice=admin.practice)
    client.get(reverse("clinic:audit-log"))
    with django_assert_num_queries(7) as one:
        client.get(reverse("clinic:audit-log"))
    baseline = len(one)
    for n in range(60):
        record(action=f"x.{n}", actor=admin.user, practice=admin.practice)

    with django_assert_num_queries(baseline):
        response = client.get(reverse("clinic:audit-log"))

    assert len(response.context["page"]) == 50
