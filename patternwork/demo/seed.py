"""The fictional demo practice. Every name, date and story here is invented.

Idempotent: running it again changes nothing that exists and fills in what is missing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.db import transaction

from patternwork.accounts import services as account_services
from patternwork.accounts.models import Membership, Practice, TOTPDevice, User
from patternwork.accounts.totp import base32_secret
from patternwork.demo import course_data, supervision_data, way_in_data

DEMO_SLUG = "riverside-demo"
DEMO_PRACTICE = "Riverside Psychological Therapies (demo)"
DEMO_ADDRESS = "Unit 4, Millbrook Yard\n12 Canal Street\nEastwick\nEW1 2ZZ"
# Demo accounts only: a fixed password and fixed TOTP secrets so the demo can be shown.
DEMO_PASSWORD = "riverside-demo-walk-2026"  # noqa: S105


@dataclass(frozen=True)
class DemoStaff:
    email: str
    full_name: str
    role: str


ADMIN = DemoStaff("admin@riverside.example", "Priya Natarajan", Membership.Role.ADMIN)
THERAPIST = DemoStaff("therapist@riverside.example", "Dr Rowan Hale", Membership.Role.THERAPIST)
THERAPIST_2 = DemoStaff("therapist2@riverside.example", "Sam Okafor", Membership.Role.THERAPIST)
SUPERVISOR = DemoStaff(
    "supervisor@riverside.example", "Dr Morgan Ellis", Membership.Role.SUPERVISOR
)
DEMO_STAFF = (THERAPIST, THERAPIST_2, SUPERVISOR, ADMIN)
DEMO_DESCRIPTION = (
    "A small fictional practice by the canal, offering Dynamic Interpersonal Therapy to "
    "adults. Nothing on this page is real: it shows how a practice's public page looks."
)
DEMO_FEES = "No fees: the demo practice is free, like an NHS service."
# The clinicians' public profiles, as each would write them on their profile page.
DEMO_PROFILES = {
    THERAPIST.email: {
        "accepts_referrals": True,
        "registration": "HCPC registered practitioner psychologist (fictional)",
        "modalities": "Dynamic Interpersonal Therapy, psychodynamic psychotherapy",
        "dit_accredited": True,
        "languages": "English, Welsh",
        "sees_in_person": True,
        "sees_online": True,
        "profile_text": "I work with adults who feel stuck in the same painful patterns "
        "with the people who matter to them.",
    },
    THERAPIST_2.email: {
        "accepts_referrals": True,
        "registration": "BACP registered member (fictional)",
        "modalities": "Dynamic Interpersonal Therapy, counselling",
        "dit_accredited": True,
        "languages": "English, Yoruba",
        "sees_in_person": False,
        "sees_online": True,
        "profile_text": "I see people online in the evenings.",
    },
}


@dataclass(frozen=True)
class DemoLogin:
    email: str
    full_name: str
    role: str
    password: str
    totp_secret: str


def demo_totp_key(email: str) -> str:
    """A fixed 20-byte TOTP key (hex) for a demo account."""
    return hashlib.sha256(f"patternwork-demo-totp:{email}".encode()).hexdigest()[:40]


def seed() -> list[DemoLogin]:
    with transaction.atomic():
        practice = Practice.objects.filter(slug=DEMO_SLUG).first()
        if practice is None:
            practice, _ = account_services.create_practice(
                name=DEMO_PRACTICE,
                slug=DEMO_SLUG,
                admin_email=ADMIN.email,
                admin_name=ADMIN.full_name,
            )
            Practice.objects.filter(pk=practice.pk).update(
                is_demo=True,
                address=DEMO_ADDRESS,
                phone="01632 960 000",
                email="hello@riverside.example",
                public_description=DEMO_DESCRIPTION,
                fees=DEMO_FEES,
                # Two days ahead, so that a fresh `make run` prints the reminders for
                # tomorrow's appointments at once, whatever the time of day.
                reminder_lead_hours=48,
            )
            practice.refresh_from_db()
        members = {staff.email: _member(practice, staff) for staff in DEMO_STAFF}
        supervisor = members[SUPERVISOR.email]
        if not supervisor.supervisees.exists():
            supervisor.supervisees.set([members[THERAPIST.email], members[THERAPIST_2.email]])
        course_data.seed_courses(practice, members[THERAPIST.email])
        supervision_data.seed_supervision(practice, supervisor, members[THERAPIST.email])
        way_in_data.seed_way_in(practice, members[THERAPIST.email], members[ADMIN.email])
        for email, profile in DEMO_PROFILES.items():
            member = members[email]
            if not member.accepts_referrals:
                account_services.update_profile(membership=member, data=profile, changed_by=member)
        logins = []
        for staff in DEMO_STAFF:
            user = members[staff.email].user
            device = _device(user)
            logins.append(
                DemoLogin(
                    staff.email, staff.full_name, staff.role, DEMO_PASSWORD, base32_secret(device)
                )
            )
    return logins


def _member(practice: Practice, staff: DemoStaff) -> Membership:
    membership = (
        Membership.objects.filter(practice=practice, user__email=staff.email)
        .select_related("user")
        .first()
    )
    if membership is None:
        user = User.objects.filter(email=staff.email).first()
        if user is None:
            user = User(email=staff.email, full_name=staff.full_name)
        user.set_password(DEMO_PASSWORD)
        user.save()
        membership = Membership.objects.create(user=user, practice=practice, role=staff.role)
    elif not membership.user.has_usable_password():
        membership.user.set_password(DEMO_PASSWORD)
        membership.user.save(update_fields=["password"])
    return membership


def _device(user: User) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name="Demo authenticator", key=demo_totp_key(user.email), confirmed=True
        )
    return device


def is_demo_user(user: User) -> bool:
    memberships = list(user.memberships.select_related("practice"))
    return bool(memberships) and all(m.practice.is_demo for m in memberships)
