"""Writes to practices, staff and passwords. Each one audits in its own transaction.

Logging in (password, second factor) is `accounts.login`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from patternwork.accounts import tokens
from patternwork.accounts.models import ClosureDay, Membership, Practice, User, normalise_email
from patternwork.accounts.practice_setup import practice_created
from patternwork.accounts.practices import practice_of
from patternwork.accounts.selectors import therapists_of_practice
from patternwork.audit.services import diff, record
from patternwork.core import outbox
from patternwork.core.links import absolute_url

ALREADY_MEMBER = "This person is already a member of the practice."
CLIENT_LOGIN_EMAIL = (
    "{email} is a client's portal login, so it cannot be a staff login too. Use another "
    "email address for this member of staff."
)
SLUG_TAKEN = "Another practice already uses the short name “{slug}”."
NOT_A_SUPERVISOR = "Only a supervisor can have supervisees."
SUPERVISEE_NOT_THERAPIST = "Supervisees must be active therapists of the same practice."
CANNOT_DEACTIVATE_SELF = "You cannot deactivate your own account."
LAST_ADMIN = "A practice needs at least one active admin."

PRACTICE_FIELDS = (
    "name",
    "address",
    "phone",
    "email",
    "time_zone",
    "crisis_information",
    "admins_read_clinical",
    "clinicians_triage_referrals",
    "taking_referrals",
    "public_description",
    "fees",
    "send_appointment_reminders",
    "reminder_lead_hours",
    "offer_window_days",
    "idle_timeout_minutes",
    "recording_retention_days",
    "require_admin_passkeys",
)
# Changing these re-times the queued reminders (messaging.services.update_practice_settings).
REMINDER_FIELDS = ("send_appointment_reminders", "reminder_lead_hours", "time_zone")
# The clinician's public profile: what the practice's public page shows about them.
PROFILE_FIELDS = (
    "accepts_referrals",
    "display_name",
    "registration",
    "modalities",
    "dit_accredited",
    "languages",
    "sees_in_person",
    "sees_online",
    "profile_text",
)
NOT_A_CLINICIAN = "Only therapists and supervisors have a public profile."


def create_practice(
    *, name: str, slug: str = "", admin_email: str, admin_name: str, actor: User | None = None
) -> tuple[Practice, Membership]:
    """Create a practice and its first admin (who sets a password through an invitation).

    The apps registered with `practice_setup` give the practice their starting data (the
    default pattern categories) in the same transaction.
    """
    slug = slugify(slug or name)[:60]
    if Practice.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": SLUG_TAKEN.format(slug=slug)})
    with transaction.atomic():
        practice = Practice(name=name, slug=slug)
        practice.full_clean()
        practice.save()
        user = _user_for(admin_email, admin_name, field="admin_email")
        membership = Membership.objects.create(
            user=user, practice=practice, role=Membership.Role.ADMIN
        )
        record(action="practice.create", actor=actor, practice=practice, obj=practice)
        practice_created(practice)
        record(
            action="staff.invite",
            actor=actor,
            practice=practice,
            obj=membership,
            changes={"role": [None, membership.role]},
        )
    return practice, membership


def _user_for(email: str, full_name: str, *, field: str = "email") -> User:
    """The staff account for this address: a new one, or the person's existing staff
    account (a member elsewhere, or deactivated everywhere: joining a practice makes it
    active again). A client's portal login is refused: its password would open the
    clinic, so a client who also works in a practice uses another address for that."""
    email = normalise_email(email)
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User(email=email, full_name=full_name.strip())
        user.set_unusable_password()
        user.full_clean()
        user.save()
        return user
    if not user.memberships.exists() and practice_of(user) is not None:
        raise ValidationError({field: CLIENT_LOGIN_EMAIL.format(email=email)})
    if not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
    return user


def invitation_url(user: User) -> str:
    return absolute_url(
        reverse("clinic:invitation-accept", args=[tokens.make_invitation_token(user)])
    )


def invite_staff(
    *, practice: Practice, email: str, full_name: str, role: str, invited_by: Membership
) -> Membership:
    """Add a member to the practice and email them a 72-hour link to set a password."""
    email = normalise_email(email)
    if Membership.objects.filter(practice=practice, user__email=email).exists():
        raise ValidationError({"email": ALREADY_MEMBER})
    with transaction.atomic():
        user = _user_for(email, full_name)
        membership = Membership(user=user, practice=practice, role=role)
        membership.full_clean()
        membership.save()
        record(
            action="staff.invite",
            actor=invited_by.user,
            actor_role=invited_by.role,
            practice=practice,
            obj=membership,
            changes={"role": [None, role]},
        )
        if not user.has_usable_password():
            # Through the outbox: queued with the invitation, sent once it commits, retried
            # if the mail server is down, and listed in the practice's message log.
            outbox.queue(
                kind="staff_invitation",
                about=membership,
                key=f"staff_invitation:{membership.public_id}:{timezone.now():%Y%m%dT%H%M%S.%f}",
                recipient_role=role,
                recipient_user=user,
                soon=True,
            )
    return membership


def invitation_email(user: User, practice: Practice) -> tuple[str, str]:
    """The staff invitation's subject and body, with a fresh link (made when it is sent)."""
    hours = int(settings.STAFF_INVITATION_TIMEOUT.total_seconds() // 3600)
    link = invitation_url(user)
    return (
        f"You have been invited to {practice.name} on Patternwork",
        f"Hello {user.full_name},\n\n{practice.name} has invited you to Patternwork.\n"
        f"Set your password within {hours} hours at:\n\n{link}\n\n"
        "You will then set up two-factor authentication with an authenticator app.\n",
    )


def accept_invitation(*, user: User, password: str) -> None:
    """Set the invited user's password; the link then stops working."""
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        record(action="staff.invitation_accepted", actor=user, obj=user, practice=practice_of(user))


def change_password(*, user: User, password: str, practice: Practice | None = None) -> None:
    """Set a new password (change or reset); audited (under `practice`, else the practice
    the account belongs to), never logged."""
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        record(
            action="auth.password_changed",
            actor=user,
            obj=user,
            practice=practice or practice_of(user),
        )


def change_role(*, membership: Membership, role: str, changed_by: Membership) -> Membership:
    """Change a member's role; supervision links the new role cannot hold end with it.

    The audit event names the supervisees and supervisors removed as well as the role:
    a supervisor reads their supervisees' clients, so those links are access.
    """
    if membership.role == role:
        return membership
    if membership.role == Membership.Role.ADMIN:
        _ensure_another_admin(membership)
    with transaction.atomic():
        old = membership.role
        before = _supervision(membership)
        membership.role = role
        membership.full_clean()
        membership.save(update_fields=["role", "updated_at"])
        if role != Membership.Role.SUPERVISOR:
            membership.supervisees.clear()
        if role != Membership.Role.THERAPIST:
            membership.supervisors.clear()
        record(
            action="staff.change_role",
            actor=changed_by.user,
            actor_role=changed_by.role,
            practice=membership.practice,
            obj=membership,
            changes={"role": [old, role]} | diff(before, _supervision(membership)),
        )
    return membership


def _supervision(membership: Membership) -> dict[str, list[str]]:
    return {
        "supervisees": [str(m.public_id) for m in membership.supervisees.all()],
        "supervisors": [str(m.public_id) for m in membership.supervisors.all()],
    }


def set_supervisees(
    *, supervisor: Membership, supervisees: Iterable[Membership], changed_by: Membership
) -> None:
    supervisees = list(supervisees)
    if supervisor.role != Membership.Role.SUPERVISOR:
        raise ValidationError(NOT_A_SUPERVISOR)
    offered = therapists_of_practice(supervisor.practice_id)
    if offered.filter(pk__in=[m.pk for m in supervisees]).count() != len(set(supervisees)):
        raise ValidationError(SUPERVISEE_NOT_THERAPIST)
    with transaction.atomic():
        before = {"supervisees": [str(m.public_id) for m in supervisor.supervisees.all()]}
        supervisor.supervisees.set(supervisees)
        after = {"supervisees": [str(m.public_id) for m in supervisees]}
        record(
            action="staff.set_supervisees",
            actor=changed_by.user,
            actor_role=changed_by.role,
            practice=supervisor.practice,
            obj=supervisor,
            changes=diff(before, after),
        )


def deactivate_member(*, membership: Membership, deactivated_by: Membership) -> None:
    """Deactivate a member. Their sessions die on their next request.

    The membership middleware logs out a session whose membership is inactive, and a
    user left with no active membership is deactivated as a whole, which Django's
    authentication refuses outright.
    """
    if membership.user_id == deactivated_by.user_id:
        raise ValidationError(CANNOT_DEACTIVATE_SELF)
    if not membership.is_active:
        # Already done (a second click, a stale page): keep the date it happened.
        return
    if membership.role == Membership.Role.ADMIN:
        _ensure_another_admin(membership)
    with transaction.atomic():
        membership.is_active = False
        membership.deactivated_at = timezone.now()
        membership.save(update_fields=["is_active", "deactivated_at", "updated_at"])
        user = membership.user
        if not user.memberships.filter(is_active=True).exists() and user.is_active:
            user.is_active = False
            user.save(update_fields=["is_active"])
        record(
            action="staff.deactivate",
            actor=deactivated_by.user,
            actor_role=deactivated_by.role,
            practice=membership.practice,
            obj=membership,
            changes={"is_active": [True, False]},
        )


def reactivate_member(*, membership: Membership, reactivated_by: Membership) -> None:
    """Let a deactivated member back in; audits nothing for a member already active."""
    if membership.is_active and membership.user.is_active:
        return
    with transaction.atomic():
        membership.is_active = True
        membership.deactivated_at = None
        membership.save(update_fields=["is_active", "deactivated_at", "updated_at"])
        if not membership.user.is_active:
            membership.user.is_active = True
            membership.user.save(update_fields=["is_active"])
        record(
            action="staff.reactivate",
            actor=reactivated_by.user,
            actor_role=reactivated_by.role,
            practice=membership.practice,
            obj=membership,
            changes={"is_active": [False, True]},
        )


def _ensure_another_admin(membership: Membership) -> None:
    others = Membership.objects.filter(
        practice_id=membership.practice_id, role=Membership.Role.ADMIN, is_active=True
    ).exclude(pk=membership.pk)
    if not others.exists():
        raise ValidationError(LAST_ADMIN)


@dataclass(frozen=True)
class PracticeChange:
    practice: Practice
    changed: tuple[str, ...]


def _apply(stored, fields, data: dict) -> dict:
    """Set the given fields of a locked row from data; return what changed, as audited."""
    before = {field: getattr(stored, field) for field in fields}
    for field in fields:
        if field in data:
            setattr(stored, field, data[field])
    return diff(before, {field: getattr(stored, field) for field in fields})


def update_practice(*, practice: Practice, data: dict, changed_by: Membership) -> PracticeChange:
    """Update the practice's settings; audit which fields changed.

    The stored row, not the passed instance, is the "before": a bound ModelForm has
    already copied its input onto the instance it was given.
    """
    with transaction.atomic():
        stored = Practice.objects.select_for_update().get(pk=practice.pk)
        changes = _apply(stored, PRACTICE_FIELDS, data)
        if not changes:
            return PracticeChange(stored, ())
        stored.full_clean()
        stored.save(update_fields=[*changes, "updated_at"])
        record(
            action="practice.update",
            actor=changed_by.user,
            actor_role=changed_by.role,
            practice=stored,
            obj=stored,
            changes=changes,
        )
    return PracticeChange(stored, tuple(changes))


@dataclass(frozen=True)
class ProfileChange:
    membership: Membership
    changed: tuple[str, ...]


def update_profile(*, membership: Membership, data: dict, changed_by: Membership) -> ProfileChange:
    """Update a clinician's public profile; audit which fields changed, with their values.

    Only the clinician edits their own profile: the text is theirs and is published under
    their name. The values are public, so the audit event keeps them in full.
    """
    if changed_by.pk != membership.pk:
        raise PermissionDenied
    if membership.role not in Membership.CLINICIAN_ROLES:
        raise ValidationError(NOT_A_CLINICIAN)
    with transaction.atomic():
        stored = Membership.objects.select_for_update().get(pk=membership.pk)
        changes = _apply(stored, PROFILE_FIELDS, data)
        if not changes:
            return ProfileChange(stored, ())
        stored.full_clean()
        stored.save(update_fields=[*changes, "updated_at"])
        record(
            action="membership.profile_update",
            actor=changed_by.user,
            actor_role=changed_by.role,
            practice=stored.practice,
            obj=stored,
            changes=changes,
        )
    return ProfileChange(stored, tuple(changes))


CLOSURE_EXISTS = "{day} is already a closure day."


def add_closure_day(*, practice: Practice, day, label: str, by: Membership):
    """Mark a day closed: plans generated later skip it (existing bookings are kept)."""
    if ClosureDay.objects.filter(practice=practice, date=day).exists():
        raise ValidationError({"date": CLOSURE_EXISTS.format(day=day.isoformat())})
    with transaction.atomic():
        closure = ClosureDay.objects.create(practice=practice, date=day, label=label.strip())
        record(
            action="practice.closure_add",
            actor=by.user,
            actor_role=by.role,
            practice=practice,
            object_type="accounts.closureday",
            object_id=day.isoformat(),
            changes={"label": [None, closure.label]},
        )
    return closure


def remove_closure_day(*, practice: Practice, day, by: Membership) -> bool:
    with transaction.atomic():
        deleted, _ = ClosureDay.objects.filter(practice=practice, date=day).delete()
        if deleted:
            record(
                action="practice.closure_remove",
                actor=by.user,
                actor_role=by.role,
                practice=practice,
                object_type="accounts.closureday",
                object_id=day.isoformat(),
            )
    return bool(deleted)


OPERATOR_NEEDS_MEMBERSHIP = (
    "{email} is not an active member of any practice: the operator logs in with a staff "
    "account and its second factor."
)


def set_operator(*, email: str, is_operator: bool) -> User:
    """Grant or withdraw the instance operator's page; audited as an instance event."""
    with transaction.atomic():
        user = User.objects.select_for_update().filter(email=normalise_email(email)).first()
        if user is None or (is_operator and not user.memberships.filter(is_active=True).exists()):
            raise ValidationError(OPERATOR_NEEDS_MEMBERSHIP.format(email=normalise_email(email)))
        if user.is_operator != is_operator:
            user.is_operator = is_operator
            user.save(update_fields=["is_operator"])
            record(
                action="instance.operator_" + ("granted" if is_operator else "withdrawn"),
                actor_label="manage.py set_operator",
                obj=user,
            )
    return user


def set_retention(
    *, practice: Practice, years_after_contact: int, years_after_death: int, by: Membership
) -> Practice:
    """Set how long the practice keeps a client's record; audits `practice.retention`."""
    with transaction.atomic():
        stored = Practice.objects.select_for_update().get(pk=practice.pk)
        before = {
            "retention_years_after_contact": stored.retention_years_after_contact,
            "retention_years_after_death": stored.retention_years_after_death,
        }
        if (years_after_contact, years_after_death) == tuple(before.values()):
            return stored  # nothing changed: nothing to save or audit
        stored.retention_years_after_contact = years_after_contact
        stored.retention_years_after_death = years_after_death
        stored.full_clean()
        stored.save(update_fields=[*before, "updated_at"])
        record(
            action="practice.retention",
            actor=by.user,
            actor_role=by.role,
            practice=stored,
            obj=stored,
            changes=diff(before, {name: getattr(stored, name) for name in before}),
        )
    return stored


def erase_login(user: User) -> None:
    """Empty and disable an erased client's portal login (the retention purge).

    Audit rows keep pointing at the login (PROTECT), so it stays, emptied of the person.
    Runs inside the purge's transaction, whose `client.purge` event is its audit record.
    """
    user.email = f"erased-{user.pk}@erased.invalid"
    user.full_name = ""
    user.is_active = False
    user.password = make_password(None)
    user.save(update_fields=["email", "full_name", "is_active", "password"])
