"""Fictional clients at every stage of a DIT course, for the demo practice.

All people, dates and stories are invented. Dates are relative to the day the demo is
loaded, so the caseload always looks current: courses started some weeks ago, with
past sessions recorded and future ones booked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from patternwork.accounts.models import ClosureDay, Membership, Practice
from patternwork.clients import services as client_services
from patternwork.demo import formulation_data
from patternwork.treatment import plan, scheduling, services
from patternwork.treatment.models import Appointment, Course
from patternwork.treatment.services import intake
from patternwork.treatment.services.courses import PlanValues

# England and Wales bank holidays, as published; the demo practice closes on them.
BANK_HOLIDAYS = {
    dt.date(2026, 1, 1): "New Year's Day",
    dt.date(2026, 4, 3): "Good Friday",
    dt.date(2026, 4, 6): "Easter Monday",
    dt.date(2026, 5, 4): "Early May bank holiday",
    dt.date(2026, 5, 25): "Spring bank holiday",
    dt.date(2026, 8, 31): "Summer bank holiday",
    dt.date(2026, 12, 25): "Christmas Day",
    dt.date(2026, 12, 28): "Boxing Day (substitute day)",
    dt.date(2027, 1, 1): "New Year's Day",
    dt.date(2027, 3, 26): "Good Friday",
    dt.date(2027, 3, 29): "Easter Monday",
    dt.date(2027, 5, 3): "Early May bank holiday",
    dt.date(2027, 5, 31): "Spring bank holiday",
    dt.date(2027, 8, 30): "Summer bank holiday",
    dt.date(2027, 12, 27): "Christmas Day (substitute day)",
    dt.date(2027, 12, 28): "Boxing Day (substitute day)",
}


@dataclass(frozen=True)
class Story:
    """One fictional client and where their course stands."""

    full_name: str
    preferred_name: str
    born: dt.date
    pronouns: str
    weekday: int  # 0 = Monday
    at: dt.time
    weeks_ago: int  # how many weekly slots before today the course started
    dna_at: tuple[int, ...] = ()  # slot indexes (0-based) recorded as did not attend
    client_cancelled_at: tuple[int, ...] = ()
    end_reason: str = ""
    reason_for_referral: str = ""
    # PHQ-9 and GAD-7 totals at the first and at the sixteenth session; the scores in
    # between move steadily from one to the other, with a small wobble.
    phq9: tuple[int, int] = (15, 8)
    gad7: tuple[int, int] = (12, 6)
    # WSAS totals at the first and the sixteenth session (asked only when the plan has it due).
    wsas: tuple[int, int] = (22, 11)
    risk_at: tuple[int, ...] = ()  # session numbers with a PHQ-9 item 9 answer of 1
    risk_acknowledged: bool = True


STORIES = (
    Story(
        "Amelia Hart",
        "Millie",
        dt.date(1991, 7, 14),
        "she/her",
        0,
        dt.time(10, 0),
        weeks_ago=2,
        reason_for_referral="Low mood after a relationship ended; feels she is always the one left.",
        phq9=(17, 9),
        gad7=(13, 7),
    ),
    Story(
        "Daniel Osei",
        "Dan",
        dt.date(1984, 11, 2),
        "he/him",
        1,
        dt.time(14, 0),
        weeks_ago=7,
        dna_at=(3,),
        reason_for_referral="Anxiety and irritability at work; conflict with his manager.",
        phq9=(12, 7),
        gad7=(16, 8),
        risk_at=(2,),
    ),
    Story(
        "Rosa Lindqvist",
        "",
        dt.date(1979, 3, 21),
        "she/her",
        2,
        dt.time(11, 0),
        weeks_ago=9,
        client_cancelled_at=(5,),
        reason_for_referral="Depression; caring for her father and feeling unseen by her siblings.",
        phq9=(19, 11),
        gad7=(11, 8),
    ),
    Story(
        "Kieran Walsh",
        "",
        dt.date(1996, 9, 9),
        "he/him",
        3,
        dt.time(9, 0),
        weeks_ago=15,
        dna_at=(6,),
        reason_for_referral="Low mood and withdrawal since moving cities for work.",
        phq9=(16, 8),
        gad7=(10, 6),
        risk_at=(14,),
        risk_acknowledged=False,
    ),
    Story(
        "Priyanka Shah",
        "Priya",
        dt.date(1988, 1, 30),
        "she/her",
        4,
        dt.time(10, 0),
        weeks_ago=19,
        end_reason=Course.EndReason.COMPLETED,
        reason_for_referral="Recurrent depression; perfectionism and fear of letting people down.",
        phq9=(18, 7),
        gad7=(14, 5),
    ),
)

WAITING_REFERRAL = {
    "full_name": "Tomasz Nowak",
    "preferred_name": "Tom",
    "pronouns": "he/him",
    "email": "tom.nowak@example.org",
    "phone": "07700 900123",
    "reason": (
        "I've been feeling flat for months and keep falling out with people close to me. "
        "My GP suggested talking therapy."
    ),
    "availability": "Weekday evenings after 5pm, or Friday mornings.",
    "contact_by_email": True,
    "contact_by_phone": True,
    "voicemail_ok": False,
}


def ensure_closures(practice: Practice) -> None:
    for day, label in BANK_HOLIDAYS.items():
        ClosureDay.objects.get_or_create(practice=practice, date=day, defaults={"label": label})


def _first_slot(practice: Practice, story: Story) -> dt.date:
    today = scheduling.today(practice)
    back = (today.weekday() - story.weekday) % 7
    latest = today - dt.timedelta(days=back)
    return latest - dt.timedelta(weeks=story.weeks_ago)


def seed_courses(practice: Practice, therapist: Membership) -> None:
    """Create the demo clients and run their courses through the real services."""
    if practice.clients.exists():
        return
    ensure_closures(practice)
    for story in STORIES:
        _run_story(practice, therapist, story)
    client_services.submit_self_referral(practice=practice, data=WAITING_REFERRAL)


def _run_story(practice: Practice, therapist: Membership, story: Story) -> None:
    referral = client_services.create_referral(
        practice=practice,
        data={
            "full_name": story.full_name,
            "preferred_name": story.preferred_name,
            "date_of_birth": story.born,
            "pronouns": story.pronouns,
            "reason": story.reason_for_referral,
            "referrer_name": "Dr Hollis, Canal Street Surgery (fictional)",
            "consent_to_contact": True,
            "received_at": timezone.now() - dt.timedelta(weeks=story.weeks_ago + 4),
        },
        created_by=therapist,
    )
    client = intake.accept_referral(
        referral=referral,
        therapist=therapist,
        client_data={
            "consent_treatment": True,
            "contact_by_email": True,
            "email": f"{story.full_name.split()[0].lower()}@example.org",
        },
        by=therapist,
    )
    course = client.courses.get()
    services.start_course(
        course=course,
        values=PlanValues(
            planned_sessions=16,
            cadence="weekly",
            session_minutes=50,
            start_date=_first_slot(practice, story),
            start_time=story.at,
        ),
        actor=therapist,
    )
    now = timezone.now()
    appointments = list(course.appointments.filter(starts_at__lte=now).order_by("starts_at"))
    attended = 0
    for index, appointment in enumerate(appointments):
        if index in story.dna_at:
            services.mark_did_not_attend(appointment=appointment, actor=therapist)
        elif index in story.client_cancelled_at:
            services.cancel_appointment(
                appointment=appointment,
                by="client",
                reason="Unwell (told us the day before)",
                actor=therapist,
            )
        else:
            services.mark_attended(appointment=appointment, actor=therapist)
            attended += 1
    _write_notes(course, therapist)
    _record_measures(course, therapist, story)
    formulation_data.seed_formulation(course, therapist)
    if story.end_reason:
        services.end_course(
            course=course,
            reason=story.end_reason,
            note="Planned ending after sixteen sessions; goodbye letter discussed.",
            actor=therapist,
        )
    elif course.appointments.filter(status=Appointment.Status.BOOKED, starts_at__gt=now).count() < (
        16 - attended
    ):
        services.add_replacement(course=course, actor=therapist)


NOTE_LINES = {
    "initial": {
        "relationships": "Talked about their mother, an older brother and a recent partner.",
        "pattern": "A sense of having to earn closeness, and of being dropped when they need it.",
    },
    "middle": {
        "focus_week": "Felt overlooked in a meeting and went quiet, then angry at home.",
        "focus_session": "Wondered aloud whether I would tire of hearing about it; we explored this.",
    },
    "ending": {
        "review": "Looked back at the pattern and the moments it changed this term.",
        "ending_feelings": "Mixed: relief, and fear of coping alone. Named both.",
    },
}


def _write_notes(course: Course, therapist: Membership) -> None:
    attended = course.appointments.filter(status=Appointment.Status.ATTENDED).order_by("starts_at")
    for appointment in attended:
        note = services.save_note(
            appointment=appointment,
            answers=NOTE_LINES[_note_phase(appointment, course)],
            body="Fictional demo note.",
            expected_version=None,
            actor=therapist,
        )
        if appointment.session_number and appointment.session_number % 2 == 1:
            services.sign_note(note=note, expected_version=note.version, actor=therapist)


def _note_phase(appointment: Appointment, course: Course) -> str:
    phase = plan.phase_for(appointment.session_number, course.planned_sessions)
    return "ending" if phase == plan.Phase.OVER_PLAN else phase.value


WSAS_ITEMS = ("work", "home_management", "social_leisure", "private_leisure", "close_relationships")


def trajectory(start: int, end: int, session: int, planned: int = 16) -> int:
    """A fictional total at a session: a steady change with a small fixed wobble."""
    wobble = 0 if session in (1, planned) else (0, 1, -1, 0, 1, 0, -1, 1)[session % 8]
    share = (session - 1) / (planned - 1)
    return max(0, round(start + (end - start) * share) + wobble)


def spread(total: int, items: int, maximum: int = 3) -> list[int]:
    """Answers (0 to maximum) for `items` items adding up to `total`."""
    total = min(total, items * maximum)
    base, extra = divmod(total, items)
    return [base + (1 if n < extra else 0) for n in range(items)]


def _record_measures(course: Course, therapist: Membership, story: Story) -> None:
    from patternwork.measures import services as measures
    from patternwork.measures.models import RiskFlag
    from patternwork.measures.services import Answers

    attended = course.appointments.filter(status=Appointment.Status.ATTENDED).order_by("starts_at")
    for appointment in attended:
        n = appointment.session_number
        risk = 1 if n in story.risk_at else 0
        phq = [*spread(trajectory(*story.phq9, n) - risk, 8), risk]
        gad = spread(trajectory(*story.gad7, n), 7)
        answers = [
            Answers("PHQ-9", {f"q{i}": v for i, v in enumerate(phq, start=1)}),
            Answers("GAD-7", {f"q{i}": v for i, v in enumerate(gad, start=1)}),
        ]
        if plan.WSAS in plan.measures_due(n, course.planned_sessions):
            wsas = spread(trajectory(*story.wsas, n), len(WSAS_ITEMS), maximum=8)
            answers.append(Answers(plan.WSAS, dict(zip(WSAS_ITEMS, wsas, strict=True))))
        measures.record_responses(
            source="clinic", appointment=appointment, answers=answers, by=therapist
        )
    if story.risk_acknowledged:
        for flag in RiskFlag.objects.open().filter(course=course):
            measures.acknowledge_flag(
                flag=flag,
                note="Asked in the session: passing thoughts, no plans or intent. "
                "Safety plan and crisis numbers reviewed; will ask again next week.",
                actor=therapist,
            )
