"""A client's whole record as one download: the answer to a subject access request.

`record_export(reader, client)` makes a zip of
- record.pdf: the record for a person to read (details, referrals, courses with their
  appointments, measures and chart, session notes, relationship map and episodes, every
  IPAF version, risk answers, goodbye letters, shared journal entries, and the access
  log: who was shown the record and when);
- fhir-bundle.json: the same record as a FHIR R4 Bundle (`fhir.patient_everything`);
- README.txt: what the two files are.

Everything is read through `accounts.access` for the reader, so the path serves the
admin who hands the copy over and, later, the client's own "download my data" (a
Reader with `client`: their own rows; letters only once shared, as in the portal). A
staff copy must be complete, so only an admin who may read clinical records makes one
(`ExportRefused` otherwise). `interop.services.export_record` audits it.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _

from patternwork.accounts.access import Reader, clinical_scope, fetch, record_read, visible
from patternwork.accounts.models import Membership
from patternwork.audit.selectors import events_about_client
from patternwork.clients.models import Client, Referral
from patternwork.clients.selectors import client_rows
from patternwork.formulation.models import Episode, IpafVersion, JournalEntry, Person
from patternwork.interop import fhir
from patternwork.interop.fhir.everything import as_reader
from patternwork.letters.models import DecisionLetter, Letter, LetterVersion
from patternwork.letters.selectors import SHARED_STATES, practice_lines
from patternwork.measures.models import RiskFlag
from patternwork.measures.selectors import CourseMeasures, RowKind, course_measures
from patternwork.treatment import scheduling
from patternwork.treatment.models import (
    Appointment,
    Assessment,
    Course,
    Goal,
    NoteAmendment,
    Readiness,
    SessionNote,
)
from patternwork.treatment.prompts import prompts_for

READ_KIND = "subject access export"
PDF_NAME, FHIR_NAME, README_NAME = "record.pdf", "fhir-bundle.json", "README.txt"
FILES = (README_NAME, PDF_NAME, FHIR_NAME)
NOT_AN_ADMIN = "Only a service admin makes a copy of a client's record."
CLINICAL_WITHHELD = (
    "This practice keeps clinical records from admins, so a copy made by an admin would "
    "leave out the notes, episodes, formulation, questionnaires and letters. Allow admins "
    "to read clinical records in the practice settings (every read is audited) to make a "
    "complete copy."
)
README = """\
This is a copy of the record {practice} holds about {name} ({number}),
made on {day}.

record.pdf        the record to read: details, referrals, courses and appointments,
                  questionnaires with their chart, session notes, relationship map and
                  episodes, every version of the formulation (IPAF), risk answers,
                  goodbye letters, and the log of who was shown the record and when.
fhir-bundle.json  the same record as a FHIR R4 Bundle (the Patient/$everything
                  operation), for another system to read.
"""


class ExportRefused(PermissionDenied):
    """The reader could not make a complete copy of the record."""


@dataclass(frozen=True)
class Section:
    """Rows of (label, text) under a heading: one entry of a list (a note, an episode)."""

    heading: str
    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class CourseRecord:
    heading: str
    rows: tuple[tuple[str, str], ...]
    appointments: tuple[tuple[str, str, str, str], ...]
    measures: CourseMeasures
    scores: tuple[tuple[str, str, str, str, str], ...]


@dataclass(frozen=True)
class RecordDocument:
    """Everything record.pdf shows, gathered for one reader."""

    practice_name: str
    practice_lines: tuple[str, ...]
    generated_on: date
    client_name: str
    client_number: str
    details: tuple[tuple[str, str], ...]
    referrals: tuple[Section, ...]
    courses: tuple[CourseRecord, ...]
    assessments: tuple[Section, ...]
    notes: tuple[Section, ...]
    people: tuple[Section, ...]
    episodes: tuple[Section, ...]
    ipafs: tuple[Section, ...]
    flags: tuple[Section, ...]
    letters: tuple[Section, ...]
    journal: tuple[Section, ...]
    access_log: tuple[tuple[str, str, str, str], ...]


@dataclass(frozen=True)
class RecordExport:
    filename: str
    content: bytes
    client: Client
    counts: dict


def check_complete(reader: Reader) -> None:
    """Refuse a staff reader whose copy would not be the whole record."""
    membership = reader.membership
    if membership is None:
        return
    if membership.role != Membership.Role.ADMIN:
        raise ExportRefused(NOT_AN_ADMIN)
    if clinical_scope(membership) is not None:
        raise ExportRefused(CLINICAL_WITHHELD)


def may_export(membership: Membership) -> bool:
    """Whether the member's copy of a record would be complete (the page offers it then)."""
    return membership.role == Membership.Role.ADMIN and clinical_scope(membership) is None


def _day(value: date | None) -> str:
    return dateformat.format(value, "j F Y") if value else "\N{EN DASH}"


def _moment(practice, value: datetime | None) -> str:
    if value is None:
        return "\N{EN DASH}"
    local = value.astimezone(scheduling.zone(practice))
    return dateformat.format(local, "j F Y, H:i")


def _yes(value: bool) -> str:
    return _("Yes") if value else _("No")


def _name(member: Membership | None) -> str:
    if member is None:
        return "\N{EN DASH}"
    return member.user.full_name or member.user.email


def _details(client: Client) -> tuple[tuple[str, str], ...]:
    contact = [
        label
        for allowed, label in (
            (client.contact_by_email, _("email")),
            (client.contact_by_phone, _("telephone")),
            (client.contact_by_sms, _("text message")),
            (client.contact_by_letter, _("letter")),
        )
        if allowed
    ]
    rows = [
        (_("Name"), client.full_name),
        (_("Preferred name"), client.preferred_name),
        (_("Date of birth"), _day(client.date_of_birth)),
        (_("Pronouns"), client.pronouns),
        (_("Client number"), client.client_number),
        (_("Email"), client.email),
        (_("Telephone"), client.phone),
        (_("Address"), client.address),
        (_("GP"), ", ".join(part for part in (client.gp_name, client.gp_practice) if part)),
        (_("GP address and telephone"), client.gp_contact),
        (_("Referred by"), client.referrer_name),
        (_("Referrer's contact details"), client.referrer_contact),
        (
            _("Emergency contact"),
            ", ".join(
                part
                for part in (
                    client.emergency_contact_name,
                    client.emergency_contact_relationship,
                    client.emergency_contact_phone,
                )
                if part
            ),
        ),
        (_("Therapist"), _name(client.therapist)),
        (_("Consents to treatment"), _yes(client.consent_treatment)),
        (_("May be contacted by"), ", ".join(contact) or _("not recorded")),
        (_("Messages may be left on voicemail"), _yes(client.voicemail_ok)),
        (_("Summary may be sent to the referrer"), _yes(client.share_with_referrer)),
        (_("Record"), client.get_status_display()),
        (_("Id in the practice's previous system"), client.external_id),
    ]
    return tuple((label, value) for label, value in rows if value)


def _referrals(client: Client) -> tuple[Section, ...]:
    referrals = Referral.objects.filter(client=client, practice_id=client.practice_id)
    return tuple(
        Section(
            _("Referral received %(day)s") % {"day": _moment(client.practice, r.received_at)},
            tuple(
                (label, value)
                for label, value in (
                    (_("How"), r.get_source_display()),
                    (_("Outcome"), r.get_status_display()),
                    (_("What they would like help with"), r.reason),
                    (_("Availability"), r.availability),
                    (_("Referred by"), r.referrer_name),
                )
                if value
            ),
        )
        for r in referrals.order_by("received_at", "id")
    )


def _course_heading(course: Course) -> str:
    started = course.start_date or course.created_at.date()
    return _("Course from %(day)s") % {"day": _day(started)}


def _courses(reader: Reader, client: Client) -> list[Course]:
    return list(
        visible(
            reader, Course.objects.filter(client=client).select_related("therapist__user")
        ).order_by("created_at", "id")
    )


def _course_record(course: Course, appointments: list[Appointment]) -> CourseRecord:
    practice = course.practice
    rows = [
        (_("Therapist"), _name(course.therapist)),
        (_("State"), course.get_state_display()),
        (_("Planned sessions"), str(course.planned_sessions)),
        (_("Cadence"), course.get_cadence_display()),
        (_("Session length"), _("%(minutes)s minutes") % {"minutes": course.session_minutes}),
        (_("Ended"), _moment(practice, course.ended_at) if course.ended_at else ""),
        (_("End reason"), course.get_end_reason_display() if course.end_reason else ""),
        (_("Note on the ending"), course.end_note),
    ]
    measures = course_measures(course)
    scores = tuple(
        (
            _moment(practice, row.when),
            str(row.session)
            if row.session
            else (_("Assessment") if row.kind == RowKind.ASSESSMENT else _("Other")),
            str(row.phq9.total) if row.phq9 else "",
            str(row.gad7.total) if row.gad7 else "",
            str(row.wsas.total) if row.wsas else "",
        )
        for row in measures.rows
    )
    return CourseRecord(
        heading=_course_heading(course),
        rows=tuple((label, value) for label, value in rows if value),
        appointments=tuple(
            (
                _moment(practice, a.starts_at),
                a.get_kind_display(),
                a.get_status_display(),
                str(a.session_number or ""),
            )
            for a in appointments
        ),
        measures=measures,
        scores=scores,
    )


def _notes(reader: Reader, client: Client) -> tuple[Section, ...]:
    notes = list(
        visible(
            reader,
            SessionNote.objects.filter(course__client=client).select_related(
                "appointment", "author__user", "signed_by__user"
            ),
        ).order_by("appointment__starts_at", "id")
    )
    amendments: dict[int, list[NoteAmendment]] = {}
    for amendment in NoteAmendment.objects.filter(note__in=notes).select_related("author__user"):
        amendments.setdefault(amendment.note_id, []).append(amendment)
    sections = []
    for note in notes:
        answers = json.loads(note.prompts or "{}")
        rows = [
            (prompt.label, answers.get(prompt.key, ""))
            for prompt in prompts_for(note.phase)
            if answers.get(prompt.key)
        ]
        rows += [
            (_("Note"), note.body),
            (_("Written by"), _name(note.author)),
            (
                _("Signed"),
                f"{_moment(client.practice, note.signed_at)}, {_name(note.signed_by)}"
                if note.signed_at
                else _("Not signed"),
            ),
        ]
        rows += [
            (
                _("Amendment, %(when)s, %(who)s")
                % {"when": _moment(client.practice, a.created_at), "who": _name(a.author)},
                a.body,
            )
            for a in amendments.get(note.pk, [])
        ]
        heading = _("Session on %(when)s (session %(number)s)") % {
            "when": _moment(client.practice, note.appointment.starts_at),
            "number": note.appointment.session_number or "\N{EN DASH}",
        }
        sections.append(Section(heading, tuple((label, text) for label, text in rows if text)))
    return tuple(sections)


def _people(reader: Reader, client: Client) -> tuple[Section, ...]:
    people = visible(reader, Person.objects.filter(client=client)).order_by("created_at", "id")
    return tuple(
        Section(
            person.label,
            (
                (_("Relationship"), person.relationship),
                (_("When"), person.get_era_display()),
                (_("Contact"), person.get_contact_display()),
                (_("Closeness (1-5)"), str(person.closeness)),
                (_("Conflict (1-5)"), str(person.conflict)),
            ),
        )
        for person in people
    )


def _episodes(reader: Reader, client: Client) -> tuple[Section, ...]:
    episodes = visible(
        reader,
        Episode.objects.filter(client=client)
        .select_related("person", "logged_by__user")
        .prefetch_related("codes__category"),
    ).order_by("created_at", "id")
    sections = []
    for episode in episodes:
        other = _("the therapist") if episode.with_therapist else episode.person.label
        codes = ", ".join(code.category.label for code in episode.codes.all())
        rows = (
            (_("With"), other),
            (_("When it happened"), episode.get_when_display()),
            (_("Date"), _day(episode.occurred_on) if episode.occurred_on else ""),
            (_("What happened"), episode.account),
            (_("What the client wanted"), episode.wish_text),
            (_("How the other responded"), episode.ro_text),
            (_("How the client responded"), episode.rs_text),
            (_("Categories"), codes),
            (_("Logged by"), _name(episode.logged_by)),
        )
        heading = _("Episode logged %(when)s") % {
            "when": _moment(client.practice, episode.created_at)
        }
        sections.append(Section(heading, tuple((label, text) for label, text in rows if text)))
    return tuple(sections)


def _ipafs(reader: Reader, client: Client) -> tuple[Section, ...]:
    versions = visible(
        reader,
        IpafVersion.objects.filter(course__client=client)
        .select_related("author__user", "course")
        .prefetch_related("replies"),
    ).order_by("course__created_at", "course_id", "number")
    sections = []
    for version in versions:
        # The client's own answers to a shared version are their data too.
        replies = tuple(
            (
                _("The client's answer of %(when)s")
                % {"when": _moment(client.practice, reply.created_at)},
                f"{reply.get_fit_display()}. {reply.body}".strip(),
            )
            for reply in sorted(version.replies.all(), key=lambda r: (r.created_at, r.pk))
        )
        rows = (
            (_("How the client sees themselves"), version.self_representation),
            (_("How they see the other"), version.other_representation),
            (_("The feeling(s) linking them"), version.linking_affects),
            (_("What the pattern protects against"), version.defensive_function),
            (_("How it may show with the therapist"), version.transference),
            (_("Written by"), _name(version.author)),
            (_("Agreed with the client on"), _day(version.agreed_on) if version.agreed_on else ""),
            (
                _("How it was agreed"),
                version.get_agreed_via_display() if version.agreed_on else "",
            ),
            (
                _("Shared with the client on the portal on"),
                _moment(client.practice, version.shared_at) if version.shared_at else "",
            ),
            *replies,
        )
        heading = _("%(course)s: IPAF version %(number)s, %(when)s") % {
            "course": _course_heading(version.course),
            "number": version.number,
            "when": _moment(client.practice, version.created_at),
        }
        sections.append(Section(heading, tuple((label, text) for label, text in rows if text)))
    return tuple(sections)


def _flags(reader: Reader, client: Client) -> tuple[Section, ...]:
    flags = visible(
        reader, RiskFlag.objects.filter(client=client).select_related("acknowledged_by__user")
    ).order_by("raised_at", "id")
    return tuple(
        Section(
            _("%(instrument)s answer, %(when)s")
            % {"instrument": flag.instrument, "when": _moment(client.practice, flag.raised_at)},
            tuple(
                (label, text)
                for label, text in (
                    (_("Question"), flag.item_text),
                    (_("Answer"), flag.value_label),
                    (
                        _("Acknowledged"),
                        f"{_moment(client.practice, flag.acknowledged_at)}, "
                        f"{_name(flag.acknowledged_by)}"
                        if flag.acknowledged_at
                        else _("Not yet acknowledged"),
                    ),
                    (_("What was done"), flag.action_note),
                )
                if text
            ),
        )
        for flag in flags
    )


def _assessments(reader: Reader, client: Client) -> tuple[Section, ...]:
    """Each assessment record with its goals and their ratings, readiness, and the letter
    after it (a draft only for staff, as in the portal)."""
    sections = []
    records = visible(reader, Assessment.objects.filter(course__client=client)).select_related(
        "course"
    )
    goals = visible(reader, Goal.objects.filter(course__client=client)).prefetch_related("ratings")
    readiness = visible(reader, Readiness.objects.filter(course__client=client))
    letters = visible(reader, DecisionLetter.objects.filter(client=client))
    if reader.membership is None:
        letters = letters.filter(state=DecisionLetter.State.SHARED)
    by_course: dict[int, list] = {}
    for goal in goals.order_by("position"):
        by_course.setdefault(goal.course_id, []).append(
            (
                _("Goal %(n)s") % {"n": goal.position},
                goal.text
                + "".join(
                    f"; {r.get_occasion_display()}: {r.score}/10"
                    for r in sorted(goal.ratings.all(), key=lambda r: r.created_at)
                ),
            )
        )
    for row in readiness.order_by("created_at"):
        by_course.setdefault(row.course_id, []).append(
            (
                _("Readiness, %(when)s") % {"when": row.get_occasion_display()},
                _("importance %(i)s/10, confidence %(c)s/10. %(hopes)s")
                % {"i": row.importance, "c": row.confidence, "hopes": row.hopes},
            )
        )
    for letter in letters:
        by_course.setdefault(letter.course_id, []).append(
            (
                _("Letter after assessment (%(state)s)") % {"state": letter.get_state_display()},
                letter.body,
            )
        )
    for record in records.order_by("created_at", "id"):
        rows = [
            (_("Presenting difficulties"), record.presenting),
            (_("Relationships in brief"), record.relationships),
            (_("Risk: current thoughts"), record.risk_current),
            (_("Risk: history"), record.risk_history),
            (_("Protective factors"), record.risk_protective),
            (_("Safety plan"), record.safety_plan),
            (_("Who to contact"), record.safety_contacts),
            (_("Suitability for DIT"), record.get_suitability_display()),
            (_("Reasons"), record.suitability_reasons),
            (_("Decision"), record.get_decision_display()),
            *by_course.get(record.course_id, []),
        ]
        heading = _("Assessment, %(course)s") % {"course": _course_heading(record.course)}
        sections.append(Section(heading, tuple((label, text) for label, text in rows if text)))
    return tuple(sections)


def _letters(reader: Reader, client: Client) -> tuple[Section, ...]:
    letters = visible(reader, Letter.objects.filter(client=client).select_related("course"))
    if reader.membership is None:
        # The client reads a letter once their therapist has shared it, as in the portal.
        letters = letters.filter(state__in=SHARED_STATES)
    letters = list(letters.order_by("created_at", "id"))
    versions: dict[int, list[LetterVersion]] = {}
    for version in (
        LetterVersion.objects.filter(letter__in=letters)
        .select_related("author__user")
        .order_by("number")
    ):
        versions.setdefault(version.letter_id, []).append(version)
    sections = []
    for letter in letters:
        state = letter.get_state_display()
        if letter.shared_at:
            state += f", {_moment(client.practice, letter.shared_at)}"
        rows = [(_("State"), state)]
        rows += [
            (
                _("Version %(number)s, %(when)s, %(who)s")
                % {
                    "number": v.number,
                    "when": _moment(client.practice, v.created_at),
                    "who": _name(v.author),
                },
                v.body,
            )
            for v in versions.get(letter.pk, [])
        ]
        heading = _("Goodbye letter, %(course)s") % {"course": _course_heading(letter.course)}
        sections.append(Section(heading, tuple(rows)))
    return tuple(sections)


def _journal(reader: Reader, client: Client) -> tuple[Section, ...]:
    entries = visible(reader, JournalEntry.objects.filter(client=client))
    if reader.membership is not None:
        # Staff hold only the entries the client shared; the rest stay the client's own.
        entries = entries.filter(shared_at__isnull=False)
    sections = []
    for entry in entries.order_by("written_on", "id"):
        answers = json.loads(entry.prompts or "{}")
        rows = [(key.replace("_", " ").capitalize(), text) for key, text in answers.items() if text]
        rows.append((_("Entry"), entry.body))
        heading = _("Journal entry of %(day)s") % {"day": _day(entry.written_on)}
        sections.append(Section(heading, tuple((label, text) for label, text in rows if text)))
    return tuple(sections)


def _access_log(client: Client) -> tuple[tuple[str, str, str, str], ...]:
    rows = []
    for event in events_about_client(client):
        what = event.action
        kind = event.changes.get("kind") if isinstance(event.changes, dict) else None
        if kind:
            what = f"{what} ({kind})"
        if event.outcome != "success":
            what = f"{what}: {event.get_outcome_display().lower()}"
        rows.append(
            (
                _moment(client.practice, event.occurred_at),
                event.actor_label or _("the system"),
                event.actor_role,
                what,
            )
        )
    return tuple(rows)


def _fetch(reader: Reader, client) -> Client:
    # Found first: a client outside the reader's scope is a 404 whoever asks, so the
    # refusal below never tells whether such a client exists.
    found = fetch(reader, client_rows(), getattr(client, "public_id", client))
    check_complete(reader)
    record_read(reader, [found], READ_KIND)
    return found


def _document(reader: Reader, found: Client) -> RecordDocument:
    practice = found.practice
    courses = _courses(reader, found)
    appointments: dict[int, list[Appointment]] = {}
    for appointment in visible(reader, Appointment.objects.filter(course__in=courses)).order_by(
        "starts_at", "id"
    ):
        appointments.setdefault(appointment.course_id, []).append(appointment)
    return RecordDocument(
        practice_name=practice.name,
        practice_lines=practice_lines(practice),
        generated_on=scheduling.today(practice),
        client_name=found.full_name,
        client_number=found.client_number,
        details=_details(found),
        referrals=_referrals(found),
        courses=tuple(_course_record(c, appointments.get(c.pk, [])) for c in courses),
        assessments=_assessments(reader, found),
        notes=_notes(reader, found),
        people=_people(reader, found),
        episodes=_episodes(reader, found),
        ipafs=_ipafs(reader, found),
        flags=_flags(reader, found),
        letters=_letters(reader, found),
        journal=_journal(reader, found),
        access_log=_access_log(found),
    )


def record_document(reader: Reader | Membership, client) -> RecordDocument:
    """Gather the client's record (a Client or its public id) for the reader.

    A client outside the reader's scope is an audited 404 (`accounts.access.fetch`); a
    staff reader whose copy would not be complete is refused (`ExportRefused`). The read
    is recorded once, as READ_KIND.
    """
    reader = as_reader(reader)
    return _document(reader, _fetch(reader, client))


def record_export(reader: Reader | Membership, client) -> RecordExport:
    """The client's record as a zip: record.pdf, fhir-bundle.json and README.txt."""
    from patternwork.interop.record_pdf import record_pdf

    reader = as_reader(reader)
    found = _fetch(reader, client)
    document = _document(reader, found)
    bundle = fhir.patient_everything(reader, found)
    readme = README.format(
        practice=document.practice_name,
        name=document.client_name,
        number=document.client_number,
        day=_day(document.generated_on),
    )
    # Entries carry the time of the export, in the practice's time zone.
    stamp = timezone.now().astimezone(scheduling.zone(found.practice)).timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in (
            (README_NAME, readme.encode()),
            (PDF_NAME, record_pdf(document)),
            (FHIR_NAME, json.dumps(bundle, indent=2, ensure_ascii=False).encode()),
        ):
            archive.writestr(zipfile.ZipInfo(name, date_time=stamp), data)
    counts = {
        "fhir_resources": len(bundle["entry"]),
        "courses": len(document.courses),
        "notes": len(document.notes),
        "episodes": len(document.episodes),
        "ipaf_versions": len(document.ipafs),
        "letters": len(document.letters),
        "access_events": len(document.access_log),
    }
    filename = f"record-{document.client_number}-{document.generated_on.isoformat()}.zip"
    return RecordExport(filename, buffer.getvalue(), found, counts)
