"""Map the record to FHIR R4 resources: one function per resource, model rows in, dicts out.

The functions read only the rows they are given (loaded by the caller through
accounts.access), so a bundle of any size costs the caller's queries, not one per row.
docs/fhir.md describes each mapping, the codes used and what is left out. No code is
invented: where no published code fits, a concept is sent as text only.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.text import capfirst

from patternwork.formulation.ipaf import IPAF_FIELDS
from patternwork.formulation.models import IpafVersion
from patternwork.interop.fhir.common import (
    clean,
    day,
    given,
    instant,
    narrative,
    period,
    reference,
    server_base,
    text,
)
from patternwork.measures import definitions
from patternwork.treatment import plan
from patternwork.treatment.models import Appointment, Course

THERAPY = "Dynamic Interpersonal Therapy"
FLAG_CATEGORY = "http://terminology.hl7.org/CodeSystem/flag-category"
FLAG_DETAIL = "http://hl7.org/fhir/StructureDefinition/flag-detail"
CANCELLATION_REASON = "http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason"

EPISODE_STATUS = {
    Course.State.REFERRED: "waitlist",
    Course.State.ASSESSMENT: "planned",
    Course.State.ACTIVE: "active",
}
# An ended course: declined before treatment is "cancelled"; any other ending "finished".
CARE_PLAN_STATUS = {
    Course.State.REFERRED: "draft",
    Course.State.ASSESSMENT: "draft",
    Course.State.ACTIVE: "active",
}
APPOINTMENT_STATUS = {
    Appointment.Status.BOOKED: "booked",
    Appointment.Status.ATTENDED: "fulfilled",
    Appointment.Status.CANCELLED_CLIENT: "cancelled",
    Appointment.Status.CANCELLED_THERAPIST: "cancelled",
    Appointment.Status.DNA: "noshow",
}
# The top-level codes of HL7's appointment cancellation reasons: "pat" (Patient) and
# "prov" (Provider); their finer codes say more than Patternwork records.
CANCELLED_BY = {
    Appointment.Status.CANCELLED_CLIENT: ("pat", "Patient"),
    Appointment.Status.CANCELLED_THERAPIST: ("prov", "Provider"),
}
PHASE_WORDS = {
    plan.Phase.INITIAL: "initial phase",
    plan.Phase.MIDDLE: "middle phase",
    plan.Phase.ENDING: "ending phase",
    plan.Phase.OVER_PLAN: "over plan",
}


def _identifier_system(practice) -> str:
    # Client numbers are unique within a practice, so the system names the practice.
    return f"{server_base()}/sid/client-number/{practice.public_id}"


def organization(practice) -> dict:
    """The practice, which manages every record it holds."""
    return clean(
        {
            "resourceType": "Organization",
            "id": str(practice.public_id),
            "active": True,
            "name": text(practice.name),
            "telecom": [
                given("value", {"system": "phone", "value": text(practice.phone), "use": "work"}),
                given("value", {"system": "email", "value": text(practice.email), "use": "work"}),
            ],
            "address": [{"text": text(practice.address)}],
        }
    )


def practitioner(membership) -> dict:
    """A member of staff, as a Practitioner identified by their membership of the practice.

    Someone who works at two practices appears once in each practice's data, under two
    ids, so exports of different practices cannot be linked through them.
    """
    return clean(
        {
            "resourceType": "Practitioner",
            "id": str(membership.public_id),
            "active": membership.is_active,
            "name": [{"text": text(membership.user.full_name)}],
        }
    )


def patient(client) -> dict:
    """The client. Names are sent as text: Patternwork does not split given and family."""
    gp = ", ".join(filter(None, (text(client.gp_name), text(client.gp_practice))))
    emergency = None
    if text(client.emergency_contact_name) or text(client.emergency_contact_phone):
        emergency = {
            "relationship": [{"text": text(client.emergency_contact_relationship)}],
            "name": {"text": text(client.emergency_contact_name)},
            "telecom": [
                given("value", {"system": "phone", "value": text(client.emergency_contact_phone)})
            ],
        }
    return clean(
        {
            "resourceType": "Patient",
            "id": str(client.public_id),
            "meta": {"lastUpdated": instant(client.updated_at)},
            "identifier": [
                given(
                    "value",
                    {
                        "use": "usual",
                        "system": _identifier_system(client.practice),
                        "value": text(client.client_number),
                    },
                )
            ],
            "active": client.status == client.Status.ACTIVE,
            "name": [
                given("text", {"use": "official", "text": text(client.full_name)}),
                given("text", {"use": "usual", "text": text(client.preferred_name)}),
            ],
            "telecom": [
                given("value", {"system": "phone", "value": text(client.phone)}),
                given("value", {"system": "email", "value": text(client.email)}),
            ],
            "birthDate": day(client.date_of_birth),
            "address": [{"text": text(client.address)}],
            "contact": [emergency],
            "generalPractitioner": [{"display": gp or None}],
            "managingOrganization": reference("Organization", client.practice.public_id),
        }
    )


def _course_period(course: Course) -> dict | None:
    start = instant(course.started_at) or day(course.start_date)
    return period(start, instant(course.ended_at))


def episode_of_care(course: Course, *, patient_id, organization_id) -> dict:
    """The course of therapy as an EpisodeOfCare, with its treating therapist."""
    if course.state == Course.State.ENDED:
        # Declined, or not offered DIT after assessment: the episode never became therapy.
        declined = course.end_reason in {Course.EndReason.DECLINED, Course.EndReason.NOT_OFFERED}
        status = "cancelled" if declined else "finished"
    else:
        status = EPISODE_STATUS[course.state]
    return clean(
        {
            "resourceType": "EpisodeOfCare",
            "id": str(course.public_id),
            "meta": {"lastUpdated": instant(course.updated_at)},
            "status": status,
            "type": [{"text": THERAPY}],
            "patient": reference("Patient", patient_id),
            "managingOrganization": reference("Organization", organization_id),
            "period": _course_period(course),
            "careManager": reference("Practitioner", course.therapist.public_id),
        }
    )


def _phases(planned: int) -> str:
    bounds = plan.phase_bounds(planned)
    parts = [
        f"{PHASE_WORDS[phase]} sessions {span.first}-{span.last}"
        for phase, span in (
            (plan.Phase.INITIAL, bounds.initial),
            (plan.Phase.MIDDLE, bounds.middle),
            (plan.Phase.ENDING, bounds.ending),
        )
    ]
    return "; ".join(parts)


def _activity(number: int, course: Course, appointment: Appointment | None, status: str) -> dict:
    planned = course.planned_sessions
    phase = plan.phase_for(number, planned)
    bounds = plan.phase_bounds(planned)
    span = {
        plan.Phase.INITIAL: bounds.initial,
        plan.Phase.MIDDLE: bounds.middle,
        plan.Phase.ENDING: bounds.ending,
    }.get(phase)
    where = f" (sessions {span.first}-{span.last})" if span else ""
    held = appointment is not None and status == "completed"
    return clean(
        {
            "outcomeReference": [reference("Appointment", appointment.public_id)] if held else [],
            "detail": {
                "kind": "Appointment",
                "code": {"text": f"{THERAPY} session"},
                "status": status,
                "description": f"Session {number} of {planned}: {PHASE_WORDS[phase]}{where}",
                "scheduledPeriod": period(
                    instant(appointment.starts_at), instant(appointment.ends_at)
                )
                if appointment is not None
                else None,
                "performer": [reference("Practitioner", course.therapist.public_id)],
            },
        }
    )


def care_plan(course: Course, appointments: Iterable[Appointment], *, patient_id) -> dict:
    """The course's plan: one activity per planned session, each with its phase.

    An attended session is completed and points at its Appointment; a booked one is
    scheduled at the number it will have if the client comes to it and to every booked
    session before it (`earlier_sessions`, from treatment.selectors.with_session_positions);
    the rest are not started, or cancelled once the course has ended. Sessions beyond the
    plan are listed as over plan.
    """
    attended: dict[int, Appointment] = {}
    booked: dict[int, Appointment] = {}
    for appointment in appointments:
        if appointment.kind != Appointment.Kind.TREATMENT:
            continue
        if appointment.status == Appointment.Status.ATTENDED and appointment.session_number:
            attended.setdefault(appointment.session_number, appointment)
        elif appointment.status == Appointment.Status.BOOKED:
            booked.setdefault(appointment.earlier_sessions + 1, appointment)
    last = max([course.planned_sessions, *attended, *booked])
    ended = course.state == Course.State.ENDED
    activities = []
    for number in range(1, last + 1):
        if number in attended:
            activities.append(_activity(number, course, attended[number], "completed"))
        elif number in booked and not ended:
            activities.append(_activity(number, course, booked[number], "scheduled"))
        elif number <= course.planned_sessions:
            activities.append(
                _activity(number, course, None, "cancelled" if ended else "not-started")
            )
    if course.state == Course.State.ENDED:
        status = "completed" if course.end_reason == Course.EndReason.COMPLETED else "revoked"
    else:
        status = CARE_PLAN_STATUS[course.state]
    cadence = course.get_cadence_display().lower()
    return clean(
        {
            "resourceType": "CarePlan",
            "id": str(course.public_id),
            "meta": {"lastUpdated": instant(course.updated_at)},
            "status": status,
            "intent": "plan",
            "title": f"{THERAPY}: {course.planned_sessions} sessions",
            "description": (
                f"{course.planned_sessions} {cadence} sessions of {course.session_minutes} "
                f"minutes in three phases: {_phases(course.planned_sessions)}."
            ),
            "subject": reference("Patient", patient_id),
            "period": _course_period(course),
            "created": instant(course.created_at),
            "author": reference("Practitioner", course.therapist.public_id),
            "activity": activities,
        }
    )


def appointment(appointment: Appointment, *, patient_id, episode_id) -> dict:
    """One appointment, with the client and the therapist who holds it."""
    status = APPOINTMENT_STATUS[appointment.status]
    reason = None
    if appointment.status in CANCELLED_BY:
        code, display = CANCELLED_BY[appointment.status]
        reason = {
            "coding": [{"system": CANCELLATION_REASON, "code": code, "display": display}],
            "text": str(appointment.get_status_display()),
        }
    if appointment.kind == Appointment.Kind.ASSESSMENT:
        description = "Assessment"
    elif appointment.session_number:
        description = f"{THERAPY} session {appointment.session_number}"
    else:
        description = f"{THERAPY} session"
    # Whoever cancelled declined the appointment; the other party had accepted it.
    cancelled = appointment.status
    patient_status = "declined" if cancelled == Appointment.Status.CANCELLED_CLIENT else "accepted"
    staff_status = "declined" if cancelled == Appointment.Status.CANCELLED_THERAPIST else "accepted"
    return clean(
        {
            "resourceType": "Appointment",
            "id": str(appointment.public_id),
            "meta": {"lastUpdated": instant(appointment.updated_at)},
            "status": status,
            "cancelationReason": reason,
            "description": description,
            "start": instant(appointment.starts_at),
            "end": instant(appointment.ends_at),
            "minutesDuration": appointment.duration_minutes,
            "created": instant(appointment.created_at),
            "comment": text(appointment.status_reason),
            "supportingInformation": [reference("EpisodeOfCare", episode_id)],
            "participant": [
                {"actor": reference("Patient", patient_id), "status": patient_status},
                {
                    "actor": reference("Practitioner", appointment.therapist.public_id),
                    "status": staff_status,
                },
            ],
        }
    )


def _item_number(instrument_code: str, item_key: str) -> int | None:
    try:
        item = definitions.get_instrument(instrument_code).item(item_key)
    except definitions.UnknownInstrument:
        return None
    return item.number if item else None


def flag(flag, *, patient_id) -> dict:
    """A risk answer: active until a clinician acknowledges it, then inactive.

    The flag-detail extension points at the questionnaire response that holds the answer.
    What was done about it (the acknowledgement note) stays in the clinic.
    """
    number = _item_number(flag.instrument, flag.item)
    item = f"item {number}" if number else f"item {flag.item}"
    return clean(
        {
            "resourceType": "Flag",
            "id": str(flag.public_id),
            "meta": {"lastUpdated": instant(flag.updated_at)},
            "extension": [
                {
                    "url": FLAG_DETAIL,
                    "valueReference": reference("QuestionnaireResponse", flag.response.public_id),
                }
            ],
            "status": "active" if flag.is_open else "inactive",
            "category": [{"coding": [{"system": FLAG_CATEGORY, "code": "clinical"}]}],
            "code": {
                "text": (
                    f"Risk answer to {flag.instrument} {item} "
                    f"({text(flag.item_text) or flag.item}): {flag.value_label}"
                )
            },
            "subject": reference("Patient", patient_id),
            "period": period(instant(flag.raised_at), instant(flag.acknowledged_at)),
        }
    )


def ipaf_labels() -> dict[str, str]:
    return {
        name: str(capfirst(IpafVersion._meta.get_field(name).verbose_name)) for name in IPAF_FIELDS
    }


def composition(ipaf: IpafVersion, *, patient_id) -> dict:
    """The IPAF agreed with the client, as a Composition: one narrative section per part.

    There is no code for a DIT formulation, so the type is text only; nothing here is a
    diagnosis, so no Condition is made from it.
    """
    sections = [
        {"title": label, "text": narrative([getattr(ipaf, name)])}
        for name, label in ipaf_labels().items()
    ]
    agreed = f", agreed with the client on {day(ipaf.agreed_on)}" if ipaf.agreed_on else ""
    return clean(
        {
            "resourceType": "Composition",
            "id": str(ipaf.public_id),
            "meta": {"lastUpdated": instant(ipaf.updated_at)},
            "status": "final",
            "type": {"text": f"Interpersonal Affective Focus ({THERAPY} formulation)"},
            "subject": reference("Patient", patient_id),
            "date": instant(ipaf.created_at),
            "author": [reference("Practitioner", ipaf.author.public_id)],
            "title": f"Interpersonal Affective Focus, version {ipaf.number}{agreed}",
            # A section with neither text nor entries is invalid: empty parts are left out.
            "section": [section for section in sections if section["text"] is not None],
        }
    )
