"""One client's record as a FHIR Bundle: Patient/$everything.

Everything is read through accounts.access, so the bundle holds exactly what the reader
may see, and the read is recorded once. The number of queries is fixed, whatever the
number of courses, appointments or questionnaires.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone

from patternwork.accounts.access import Reader, fetch, record_read, visible
from patternwork.accounts.models import Membership
from patternwork.clients.selectors import client_rows
from patternwork.formulation.models import IpafVersion
from patternwork.interop.fhir import questionnaires, resources
from patternwork.interop.fhir.common import full_url, server_base
from patternwork.measures.models import Response, RiskFlag
from patternwork.treatment.models import Appointment
from patternwork.treatment.selectors import course_rows, with_session_positions

# What the access log calls this read.
READ_KIND = "FHIR record"


def as_reader(reader_or_membership: Reader | Membership) -> Reader:
    if isinstance(reader_or_membership, Membership):
        return Reader(user=reader_or_membership.user, membership=reader_or_membership)
    return reader_or_membership


def exported_responses():
    """Responses a record export holds: complete ones, and any draft a risk flag points
    at (a risk answer kept from an unfinished questionnaire), so every Flag's detail
    reference resolves. A client's unsent portal draft without a risk answer is theirs
    until they send it."""
    return Response.objects.filter(
        Q(status=Response.Status.COMPLETE) | Q(risk_flags__isnull=False)
    ).distinct()


@dataclass
class Record:
    """The rows of one client's record, to map."""

    patient_id: object
    practice: object
    clients: list = field(default_factory=list)
    courses: list = field(default_factory=list)
    appointments: list = field(default_factory=list)
    responses: list = field(default_factory=list)
    flags: list = field(default_factory=list)
    ipafs: list = field(default_factory=list)


def latest_per_course(versions) -> list[IpafVersion]:
    """The newest agreed version of each course, from versions ordered by course, -number."""
    seen, latest = set(), []
    for version in versions:
        if version.course_id not in seen:
            seen.add(version.course_id)
            latest.append(version)
    return latest


def gather(scope: Callable[[QuerySet], QuerySet], clients: list) -> list[Record]:
    """The records of these clients (rows of one practice), one per client.

    `scope` narrows each queryset: to what a reader may see (accounts.access.visible) or,
    for a whole practice, to the practice. Five queries whatever the number of clients,
    courses or sessions.
    """
    client_ids = [client.pk for client in clients]
    courses = list(
        scope(course_rows().filter(client_id__in=client_ids)).order_by("created_at", "id")
    )
    course_ids = [course.pk for course in courses]
    appointments = list(
        with_session_positions(
            scope(
                Appointment.objects.filter(course_id__in=course_ids).select_related(
                    "therapist__user"
                )
            )
        ).order_by("starts_at", "id")
    )
    responses = list(
        scope(
            exported_responses()
            .filter(client_id__in=client_ids)
            .select_related("appointment", "entered_by__user")
        ).order_by("completed_at", "id")
    )
    flags = list(
        scope(
            RiskFlag.objects.filter(client_id__in=client_ids).select_related("response")
        ).order_by("raised_at", "id")
    )
    ipafs = latest_per_course(
        scope(
            IpafVersion.objects.filter(course_id__in=course_ids, agreed_on__isnull=False)
            .select_related("author__user")
            .order_by("course_id", "-number")
        )
    )
    records = {
        client.pk: Record(patient_id=client.public_id, practice=client.practice, clients=[client])
        for client in clients
    }
    client_of_course = {course.pk: course.client_id for course in courses}
    for course in courses:
        records[course.client_id].courses.append(course)
    for appointment in appointments:
        records[client_of_course[appointment.course_id]].appointments.append(appointment)
    for response in responses:
        records[response.client_id].responses.append(response)
    for flag in flags:
        records[flag.client_id].flags.append(flag)
    for ipaf in ipafs:
        records[client_of_course[ipaf.course_id]].ipafs.append(ipaf)
    return list(records.values())


def record_resources(record: Record, *, with_organization: bool = True) -> list[dict]:
    """Map the gathered rows to resources, the people they reference included."""
    patient_id = record.patient_id
    out: list[dict] = [resources.patient(client) for client in record.clients]
    if with_organization:
        out.append(resources.organization(record.practice))
    staff: dict[int, Membership] = {}
    for course in record.courses:
        staff.setdefault(course.therapist_id, course.therapist)
    for appointment in record.appointments:
        staff.setdefault(appointment.therapist_id, appointment.therapist)
    for response in record.responses:
        if response.entered_by_id:
            staff.setdefault(response.entered_by_id, response.entered_by)
    for ipaf in record.ipafs:
        staff.setdefault(ipaf.author_id, ipaf.author)
    out.extend(resources.practitioner(member) for member in staff.values())

    by_course: dict[int, list[Appointment]] = {}
    for appointment in record.appointments:
        by_course.setdefault(appointment.course_id, []).append(appointment)
    for course in record.courses:
        out.append(
            resources.episode_of_care(
                course, patient_id=patient_id, organization_id=record.practice.public_id
            )
        )
        out.append(resources.care_plan(course, by_course.get(course.pk, []), patient_id=patient_id))
    courses = {course.pk: course for course in record.courses}
    for appointment in record.appointments:
        out.append(
            resources.appointment(
                appointment,
                patient_id=patient_id,
                episode_id=courses[appointment.course_id].public_id,
            )
        )
    used = {}
    for response in record.responses:
        instrument = questionnaires.instrument_of(response)
        if instrument is not None:
            used.setdefault((instrument.code, instrument.version), instrument)
    out.extend(questionnaires.questionnaire(instrument) for instrument in used.values())
    out.extend(
        questionnaires.questionnaire_response(response, patient_id=patient_id)
        for response in record.responses
    )
    for response in record.responses:
        observation = questionnaires.total_observation(response, patient_id=patient_id)
        if observation is not None:
            out.append(observation)
    out.extend(resources.flag(flag, patient_id=patient_id) for flag in record.flags)
    out.extend(resources.composition(ipaf, patient_id=patient_id) for ipaf in record.ipafs)
    return out


def searchset(resources_: list[dict], *, self_link: str) -> dict:
    """A searchset Bundle: the Patient is the match, everything else is included with it."""
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": {"lastUpdated": timezone.now().isoformat(timespec="seconds")},
        "type": "searchset",
        "timestamp": timezone.now().isoformat(timespec="seconds"),
        "total": len(resources_),
        "link": [{"relation": "self", "url": self_link}],
        "entry": [
            {
                "fullUrl": full_url(resource["resourceType"], resource["id"]),
                "resource": resource,
                "search": {"mode": "match" if resource["resourceType"] == "Patient" else "include"},
            }
            for resource in resources_
        ],
    }


def patient_everything(reader_or_membership: Reader | Membership, client) -> dict:
    """The client's record as the Bundle that FHIR's Patient/$everything returns.

    `client` is a Client or its public id. The Bundle is a searchset (as the operation
    defines it) holding the Patient, their practice, the staff named in the record,
    each course (EpisodeOfCare and CarePlan), the appointments, the questionnaires used,
    each administration with its total, the risk flags and each course's agreed IPAF.

    The client is fetched again under the reader's scope (another practice's or another
    therapist's client is an audited Http404), and each kind of row is filtered by it:
    clinical content (questionnaires, flags, the IPAF) is left out for a reader who may
    not read it, such as an admin where the practice keeps clinical records from admins,
    as $everything returns what is "available for the given user". The read is recorded
    once, as READ_KIND. A client reading their own record (a Reader with `client`) gets
    their own rows.
    """
    reader = as_reader(reader_or_membership)
    public_id = getattr(client, "public_id", client)
    found = fetch(reader, client_rows(), public_id)
    record_read(reader, [found], READ_KIND)
    (record,) = gather(lambda rows: visible(reader, rows), [found])
    return searchset(
        record_resources(record),
        self_link=f"{server_base()}/Patient/{found.public_id}/$everything",
    )
