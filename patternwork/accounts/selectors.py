from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from patternwork.accounts.access import deny_not_found
from patternwork.accounts.models import Membership, Practice


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


# The practice fields a public page may read; nothing else is loaded, so a template
# cannot show another field (an owner's email, a client count) by mistake.
PUBLIC_PRACTICE_FIELDS = (
    "name",
    "slug",
    "address",
    "phone",
    "time_zone",
    "crisis_information",
    "taking_referrals",
    "public_description",
    "fees",
    "is_demo",
)


@dataclass(frozen=True)
class PublicProfile:
    """What the public page shows of a clinician: the profile they wrote, nothing more."""

    name: str
    registration: str
    modalities: str
    dit_accredited: bool
    languages: str
    sees_in_person: bool
    sees_online: bool
    text: str


def public_practices() -> QuerySet[Practice]:
    """Every practice of this instance, demo ones last, with their public fields only."""
    return Practice.objects.only(*PUBLIC_PRACTICE_FIELDS).order_by("is_demo", "name", "pk")


def get_public_practice(slug: str) -> Practice | None:
    return public_practices().filter(slug=slug).first()


def public_profiles(practice: Practice) -> list[PublicProfile]:
    """The active clinicians who chose to be shown as accepting referrals, in one query."""
    rows = (
        active_clinicians(practice)
        .filter(accepts_referrals=True)
        .values_list(
            "display_name",
            "user__full_name",
            "registration",
            "modalities",
            "dit_accredited",
            "languages",
            "sees_in_person",
            "sees_online",
            "profile_text",
        )
    )
    return [
        PublicProfile(
            name=display or full_name,
            registration=registration,
            modalities=modalities,
            dit_accredited=accredited,
            languages=languages,
            sees_in_person=in_person,
            sees_online=online,
            text=text,
        )
        for (
            display,
            full_name,
            registration,
            modalities,
            accredited,
            languages,
            in_person,
            online,
            text,
        ) in rows
    ]
