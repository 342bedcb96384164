"""The daily digest: to each therapist and supervisor with risk flags left unacknowledged for
more than one working day, one email a day saying that flags wait, with a link.

The digest is queued once per practice per local day, from DIGEST_HOUR in the practice's
zone (the first scheduler round after it), Monday to Friday, and checked again when it is sent: if the flags
were acknowledged in between, it is withdrawn.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Q

from patternwork.accounts.models import Membership, Practice
from patternwork.measures.models import RiskFlag
from patternwork.messaging import timing
from patternwork.messaging.models import DailyRun, Message
from patternwork.treatment import scheduling

KIND = "risk_digest"
DIGEST_HOUR = time(8, 0)


def overdue_flags(practice: Practice, now: datetime):
    """Open flags raised more than one working day ago (Friday's flag is overdue on Monday).

    Read without a user's scope: the scheduler only counts them to decide whom to tell;
    the digest names no client and the linked page reads through the usual access checks.
    """
    cutoff = timing.working_days_before(now, zone=scheduling.zone(practice))
    return RiskFlag.objects.open().filter(practice=practice, raised_at__lte=cutoff)


def recipients(practice: Practice, now: datetime) -> dict[int, str]:
    """Active memberships to tell, with their role: the flags' therapists and their supervisors."""
    therapist_ids = set(
        overdue_flags(practice, now)
        .exclude(course__therapist__isnull=True)
        .values_list("course__therapist_id", flat=True)
    )
    if not therapist_ids:
        return {}
    active = Q(is_active=True, user__is_active=True, practice=practice)
    found = {
        pk: Message.Role.THERAPIST
        for pk in Membership.objects.filter(active, pk__in=therapist_ids).values_list(
            "pk", flat=True
        )
    }
    for pk in Membership.objects.filter(active, supervisees__in=therapist_ids).values_list(
        "pk", flat=True
    ):
        found.setdefault(pk, Message.Role.SUPERVISOR)
    return found


def flags_for(membership: Membership, now: datetime):
    therapists = [membership.pk, *membership.supervisees.values_list("pk", flat=True)]
    return overdue_flags(membership.practice, now).filter(course__therapist_id__in=therapists)


def queue_risk_digests(*, now: datetime) -> int:
    """Queue today's digests for every practice whose digest hour has come, on working days."""
    queued = 0
    practices = list(Practice.objects.all())
    # One read per round for the practices already done today, so the scheduler's
    # frequent rounds cost no write.
    done = set(
        DailyRun.objects.filter(job=KIND, date__gte=now.date() - timedelta(days=1)).values_list(
            "practice_id", "date"
        )
    )
    for practice in practices:
        local = now.astimezone(scheduling.zone(practice))
        # Working days only, from the digest hour on.
        if local.weekday() >= 5 or local.time() < DIGEST_HOUR:
            continue
        if (practice.pk, local.date()) in done:
            continue
        try:
            with transaction.atomic():
                DailyRun.objects.create(job=KIND, practice=practice, date=local.date())
        except IntegrityError:
            continue  # already done today (by this worker or another)
        queued += _queue_for(practice, now, local.date())
    return queued


def _queue_for(practice: Practice, now: datetime, day) -> int:
    roles = recipients(practice, now)
    members = Membership.objects.filter(pk__in=roles).select_related("user")
    membership_type = ContentType.objects.get_for_model(Membership)
    # A digest already queued under the same key (a second worker) is skipped.
    created = Message.objects.bulk_create(
        [
            Message(
                practice=practice,
                kind=KIND,
                recipient_role=roles[member.pk],
                recipient_user=member.user,
                about_type=membership_type,
                about_id=member.pk,
                key=f"{KIND}:{member.public_id}:{day:%Y%m%d}",
                due_at=now,
            )
            for member in members
        ],
        ignore_conflicts=True,
    )
    return len(created)
