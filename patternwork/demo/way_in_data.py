"""The demo's way in: a client assessed and waiting with an open offer of a start, and a
client signposted elsewhere with the letter shared on their portal. Fictional people,
run through the real services (the same ones the pages call)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from patternwork.accounts.models import ClosureDay, Membership, Practice
from patternwork.clients import services as client_services
from patternwork.clients.models import Client
from patternwork.letters import decision as decision_letters
from patternwork.treatment import scheduling, services
from patternwork.treatment.models import Appointment
from patternwork.treatment.services import assessment as assessments
from patternwork.treatment.services import intake, waiting

REFERRER = "Dr Hollis, Canal Street Surgery (fictional)"
WAITING_NAME = "Noor Haddad"
SIGNPOSTED_NAME = "Callum Reid"
# The offered first session: at the end of the day, after the demo's other sessions.
OFFER_AT = dt.time(17, 0)
SIGNPOST_SERVICE = (
    "Eastwick Talking Therapies (fictional) offers cognitive behavioural therapy for "
    "panic. You can refer yourself on 01632 960 555 or at eastwick-talking.example."
)


def seed_way_in(practice: Practice, therapist: Membership, admin: Membership) -> None:
    """Add the two clients once; a practice that has them is left as it is."""
    if Client.objects.filter(practice=practice, full_name=WAITING_NAME).exists():
        return
    _waiting_with_an_offer(practice, therapist, admin)
    _signposted(practice, therapist)


def _assessed(practice, therapist, *, name, born, weeks_ago, reason, record):
    """A referral received `weeks_ago`, accepted, and assessed a week later."""
    referral = client_services.create_referral(
        practice=practice,
        data={
            "full_name": name,
            "date_of_birth": born,
            "reason": reason,
            "referrer_name": REFERRER,
            "consent_to_contact": True,
            "received_at": timezone.now() - dt.timedelta(weeks=weeks_ago),
        },
        created_by=therapist,
    )
    client = intake.accept_referral(
        referral=referral,
        therapist=therapist,
        client_data={
            "consent_treatment": True,
            "contact_by_email": True,
            "email": f"{name.split()[0].lower()}@example.org",
        },
        by=therapist,
    )
    course = client.courses.get()
    seen = timezone.now() - dt.timedelta(weeks=weeks_ago - 1)
    appointment = services.record_past_session(
        course=course,
        start=seen.replace(minute=0, second=0, microsecond=0),
        minutes=60,
        kind=Appointment.Kind.ASSESSMENT,
        status=Appointment.Status.ATTENDED,
        actor=therapist,
    )
    opened = assessments.open_assessment(course=course, actor=therapist, appointment=appointment)
    saved = assessments.save_assessment(
        assessment=opened, data=record, expected_version=opened.version, actor=therapist
    )
    return course, saved


def _waiting_with_an_offer(practice, therapist, admin) -> None:
    course, record = _assessed(
        practice,
        therapist,
        name=WAITING_NAME,
        born=dt.date(1993, 6, 12),
        weeks_ago=7,
        reason="Low and on edge since a falling-out with her closest friend.",
        record={
            "presenting": "I keep people at arm's length, then feel nobody is there for me.",
            "relationships": "Mother: warm but anxious\nBest friend: we have stopped speaking",
            "risk_current": "No thoughts of harming herself now.",
            "risk_history": "None known.",
            "risk_protective": "Her sister; her work; her running club.",
            "safety_plan": "Go for a run, ring her sister, use the crisis numbers.",
            "safety_contacts": "Sister; GP; NHS 111; Samaritans 116 123.",
            "suitability": "suitable",
            "suitability_reasons": "A clear pattern with the people close to her; keen to "
            "look at it; low mood and anxiety of moderate severity.",
        },
    )
    assessments.record_readiness(
        course=course,
        occasion="assessment",
        importance=8,
        confidence=5,
        hopes="To ask for what I need before I give up on people.",
        actor=therapist,
    )
    assessments.set_goals(
        course=course,
        texts=[
            "Tell my friends when I feel left out",
            "Feel less on edge at the end of the day",
            "Make up with Leila",
        ],
        actor=therapist,
    )
    assessments.rate_goals(
        course=course, occasion="assessment", scores={1: 2, 2: 3, 3: 1}, actor=therapist
    )
    assessments.decide(
        assessment=record, decision="offer_dit", expected_version=record.version, actor=therapist
    )
    waiting.make_offer(
        entry=course.waiting_entries.get(left_at__isnull=True),
        therapist=therapist,
        starts_at=_offer_time(practice),
        actor=admin,
    )


def _offer_time(practice: Practice) -> dt.datetime:
    """A weekday ten or more days ahead that the practice is open, at OFFER_AT."""
    day = scheduling.today(practice) + dt.timedelta(days=10)
    closed = set(ClosureDay.objects.filter(practice=practice).values_list("date", flat=True))
    while day.weekday() >= 5 or day in closed:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, OFFER_AT, tzinfo=scheduling.zone(practice))


def _signposted(practice, therapist) -> None:
    course, record = _assessed(
        practice,
        therapist,
        name=SIGNPOSTED_NAME,
        born=dt.date(1987, 2, 3),
        weeks_ago=4,
        reason="Panic attacks on trains since the winter; avoiding the commute.",
        record={
            "presenting": "Panic on trains; I get off at the next stop and walk.",
            "relationships": "Partner: supportive\nManager: understanding",
            "risk_current": "No thoughts of harming himself.",
            "risk_history": "None known.",
            "risk_protective": "His partner; his work.",
            "safety_plan": "Breathing exercise, ring his partner, use the crisis numbers.",
            "safety_contacts": "Partner; GP; NHS 111.",
            "suitability": "not_suitable",
            "suitability_reasons": "Panic with a clear trigger and no relational pattern "
            "behind it: cognitive behavioural therapy is the treatment of choice.",
        },
    )
    assessments.decide(
        assessment=record, decision="signpost", expected_version=record.version, actor=therapist
    )
    letter = decision_letters.start_decision_letter(course=course, by=therapist)
    letter = decision_letters.save_decision_letter(
        letter=letter,
        body=letter.body.replace(decision_letters.PLACEHOLDER, SIGNPOST_SERVICE),
        expected_version=letter.version,
        by=therapist,
    )
    decision_letters.share_decision_letter(
        letter=letter, expected_version=letter.version, by=therapist
    )
