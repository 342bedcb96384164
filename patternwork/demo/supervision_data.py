"""The demo practice's supervision: one session with an action, and one rated session.

Fictional, written through the real services, and seeded once (a practice that already
has a supervision session is left as it is).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from patternwork.accounts.models import Membership, Practice
from patternwork.supervision import services
from patternwork.supervision.models import Rubric, SupervisionSession
from patternwork.treatment.models import Appointment, Course

NOTES = (
    "Fictional demo notes. Talked through the first weeks with each client; the pull to "
    "reassure rather than explore came up twice."
)
ACTION = "Bring a note of one moment the focus came alive in the room, for next time."


def seed_supervision(practice: Practice, supervisor: Membership, therapist: Membership) -> None:
    if SupervisionSession.objects.filter(practice=practice).exists():
        return
    services.ensure_default_rubric(practice)
    courses = list(
        Course.objects.filter(therapist=therapist, state=Course.State.ACTIVE)
        .select_related("client")
        .order_by("client__full_name")[:2]
    )
    session = services.record_supervision(
        supervisor=supervisor,
        held_on=timezone.localdate() - dt.timedelta(days=7),
        supervisees=[therapist],
        clients=[course.client for course in courses],
        notes=NOTES,
    )
    services.add_action(
        session=session,
        owner=therapist,
        text=ACTION,
        due_on=timezone.localdate() + dt.timedelta(days=7),
        client=courses[0].client if courses else None,
        actor=supervisor,
    )
    first = (
        Appointment.objects.filter(course__in=courses, session_number=1)
        .select_related("course")
        .order_by("starts_at")
        .first()
    )
    if first is None:
        return
    items = services.items_for_phase(
        Rubric.objects.get(practice=practice, is_current=True),
        services.rating_phase(first),
    )
    services.rate_session(
        appointment=first,
        scores={item.pk: (2, 4) for item in items},
        comment="Fictional demo rating: a warm, well-paced first session.",
        actor=supervisor,
    )
