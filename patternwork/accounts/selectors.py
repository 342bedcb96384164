from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from patternwork.accounts.access import deny_not_found
from patternwork.accounts.models import Membership


def active_memberships(user) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user, is_active=True).select_related("practice")


def staff_of_practice(membership: Membership) -> QuerySet[Membership]:
    """All members of the admin's own practice, with their supervisees, in one query each."""
    return (
        Membership.objects.filter(practice_id=membership.practice_id)
        .select_related("user")
        .prefetch_related(
            Prefetch("supervisees", queryset=Membership.objects.select_related("user"))
        )
        .order_by("-is_active", "user__full_name")
    )


def get_staff_member(membership: Membership, public_id, *, user) -> Membership:
    """One member of the admin's practice; another practice's member is a 404."""
    found = staff_of_practice(membership).filter(public_id=public_id).first()
    if found is None:
        raise deny_not_found(
            user=user, membership=membership, object_type="accounts.membership", object_id=public_id
        )
    return found


def active_clinicians(practice) -> QuerySet[Membership]:
    """The members who may be assigned clients, by name: active therapists and supervisors.

    A membership counts only while its login is active too: a person whose account was
    deactivated everywhere cannot log in, so they must not be given a caseload.
    """
    return (
        Membership.objects.filter(
            practice=practice,
            is_active=True,
            user__is_active=True,
            role__in=Membership.CLINICIAN_ROLES,
        )
        .select_related("user")
        .order_by("user__full_name", "pk")
    )


def therapists_of_practice(practice) -> QuerySet[Membership]:
    """The active clinicians who may be a supervisor's supervisees: therapists only."""
    return active_clinicians(practice).filter(role=Membership.Role.THERAPIST)
