"""Reads of goodbye letters and course documents, scoped to who is asking.

Staff: letters are clinical content, so the clinical scope applies (the treating therapist,
their supervisor, admins only where the practice allows it, each admin read audited).
Clients: only their own letters, and only once shared; anything else is a 404.
Every read is a fixed number of queries whatever the number of versions or letters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _

from patternwork.clients.models import Client
from patternwork.formulation.selectors import agreed_ipaf
from patternwork.letters import drafting
from patternwork.letters.models import Letter, LetterVersion
from patternwork.measures import chart as charts
from patternwork.measures.selectors import CourseMeasures, RowKind, course_measures
from patternwork.treatment import scheduling
from patternwork.treatment.models import Course

SHARED_STATES = (Letter.State.SHARED, Letter.State.DISCUSSED)


def letter_of(course: Course) -> Letter | None:
    return (
        Letter.objects.filter(course=course)
        .select_related("practice", "client", "author__user", "course__therapist__user")
        .first()
    )


def versions_of(letter: Letter) -> list[LetterVersion]:
    """Every version, newest first, with its author (one query)."""
    return list(letter.versions.select_related("author__user").order_by("-number"))


def shared_letters_for(client: Client) -> list[Letter]:
    """The client's letters that their therapist shared with them, newest first."""
    return list(
        Letter.objects.filter(client=client, state__in=SHARED_STATES)
        .select_related("course__therapist__user")
        .order_by("-shared_at", "-id")
    )


def shared_letter_rows() -> QuerySet[Letter]:
    """Letters the therapist has shared: the only ones a client may open."""
    return Letter.objects.filter(state__in=SHARED_STATES).select_related(
        "practice", "client", "course__therapist__user"
    )


def latest_version(letter: Letter) -> LetterVersion:
    return LetterVersion.objects.get(letter=letter, number=letter.version)


# The letter as a document: what the preview, the portal page and the PDF all show.


@dataclass(frozen=True)
class Block:
    text: str
    heading: bool = False


@dataclass(frozen=True)
class LetterDocument:
    practice_name: str
    practice_lines: tuple[str, ...]
    dated: date
    draft: bool
    greeting: str
    blocks: tuple[Block, ...]
    closing: str
    therapist_name: str
    version: int
    client_number: str


def practice_lines(practice) -> tuple[str, ...]:
    lines = [line.strip() for line in practice.address.splitlines() if line.strip()]
    if practice.phone:
        lines.append(_("Telephone: %(phone)s") % {"phone": practice.phone})
    if practice.email:
        lines.append(_("Email: %(email)s") % {"email": practice.email})
    return tuple(lines)


def blocks_of(body: str) -> tuple[Block, ...]:
    """The body's paragraphs (blank lines apart); the draft's section headings marked."""
    headings = set(drafting.headings())
    parts = (part.strip() for part in re.split(r"\n[ \t]*\n", body))
    return tuple(Block(part, part in headings) for part in parts if part)


def first_name(client: Client) -> str:
    return client.preferred_name.strip() or (client.full_name.split() or [""])[0]


def letter_document(letter: Letter, version: LetterVersion) -> LetterDocument:
    return document_of(letter, body=version.body, version=version.number)


def document_of(letter, *, body: str, version: int) -> LetterDocument:
    """Any letter to a client (goodbye or after assessment) laid out for the PDF: dated
    when shared, or today and marked draft until then."""
    practice = letter.practice
    shared = letter.shared_at is not None
    moment = letter.shared_at if shared else timezone.now()
    return LetterDocument(
        practice_name=practice.name,
        practice_lines=practice_lines(practice),
        dated=scheduling.local_date(practice, moment),
        draft=not shared,
        greeting=_("Dear %(name)s,") % {"name": first_name(letter.client)},
        blocks=blocks_of(body),
        closing=_("With best wishes,"),
        therapist_name=letter.course.therapist.user.full_name,
        version=version,
        client_number=letter.client.client_number,
    )


# The course summary for the record (and the referrer, with consent).


@dataclass(frozen=True)
class SummaryDocument:
    practice_name: str
    practice_lines: tuple[str, ...]
    generated_on: date
    client_name: str
    date_of_birth: date
    client_number: str
    therapist_name: str
    state: str
    first_session: date | None
    last_session: date | None
    attended: int
    planned: int
    ipaf: tuple[tuple[str, str], ...]
    ipaf_heading: str
    outcome: str
    scores: tuple[tuple[str, str, str], ...]
    # WSAS by session (where, total, band) and its bands ("0-9", label): charted and
    # tabled, but not part of the outcome above.
    functioning: tuple[tuple[str, str, str], ...]
    functioning_bands: tuple[tuple[str, str], ...]
    chart: charts.Chart
    chart_description: str
    consent_to_referrer: bool
    referrer: str


def _long_date(day: date) -> str:
    return dateformat.format(day, "j F Y")


def _ipaf_rows(course: Course) -> tuple[str, tuple[tuple[str, str], ...]]:
    agreed = agreed_ipaf(course)
    if agreed is None:
        return _("No IPAF was agreed with the client."), ()
    heading = _("Version %(number)s, agreed with the client on %(day)s.") % {
        "number": agreed.number,
        "day": _long_date(agreed.agreed_on),
    }
    rows = (
        (_("How the client sees themselves"), agreed.self_representation),
        (_("How they see the other"), agreed.other_representation),
        (_("The feeling(s) linking them"), agreed.linking_affects),
        (_("What the pattern protects against"), agreed.defensive_function),
        (_("How it may show with the therapist"), agreed.transference),
    )
    return heading, tuple((label, text) for label, text in rows if text.strip())


def _state(course: Course) -> str:
    if course.state != Course.State.ENDED:
        return course.get_state_display()
    ended = scheduling.local_date(course.practice, course.ended_at) if course.ended_at else None
    reason = course.get_end_reason_display()
    if ended is None:
        return _("Ended: %(reason)s") % {"reason": reason}
    return _("Ended on %(day)s: %(reason)s") % {"day": _long_date(ended), "reason": reason}


def _scores(outcome) -> tuple[tuple[str, str, str], ...]:
    rows = []
    for measure in (outcome.depression, outcome.anxiety):
        first = str(measure.first.total) if measure.first else "\N{EN DASH}"
        last = str(measure.last.total) if measure.last else "\N{EN DASH}"
        rows.append((measure.code, first, last))
    return tuple(rows)


def _functioning(measures: CourseMeasures) -> tuple[tuple[str, str, str], ...]:
    """WSAS where the chart has it: at assessment and at attended treatment sessions."""
    rows = []
    for row in measures.rows:
        if row.wsas is None or row.position is None:
            continue
        if row.kind == RowKind.ASSESSMENT:
            where = _("Assessment")
        else:
            where = _("Session %(number)s") % {"number": row.session}
        rows.append((where, str(row.wsas.total), row.wsas.band))
    return tuple(rows)


def summary_document(course: Course) -> SummaryDocument:
    """Everything the course summary PDF shows, read in a fixed number of queries."""
    practice, client = course.practice, course.client
    sessions = list(
        course.appointments.attended_treatment()
        .order_by("starts_at")
        .values_list("starts_at", flat=True)
    )
    measures = course_measures(course)
    ipaf_heading, ipaf = _ipaf_rows(course)
    return SummaryDocument(
        practice_name=practice.name,
        practice_lines=practice_lines(practice),
        generated_on=scheduling.local_date(practice, timezone.now()),
        client_name=client.full_name,
        date_of_birth=client.date_of_birth,
        client_number=client.client_number,
        therapist_name=course.therapist.user.full_name,
        state=_state(course),
        first_session=scheduling.local_date(practice, sessions[0]) if sessions else None,
        last_session=scheduling.local_date(practice, sessions[-1]) if sessions else None,
        attended=len(sessions),
        planned=course.planned_sessions,
        ipaf=ipaf,
        ipaf_heading=ipaf_heading,
        outcome=measures.sentence,
        scores=_scores(measures.outcome),
        functioning=_functioning(measures),
        functioning_bands=tuple(
            (f"{band.low}\N{EN DASH}{band.high}", band.label) for _code, band in measures.bands
        ),
        chart=measures.chart,
        chart_description=measures.description,
        consent_to_referrer=client.share_with_referrer,
        referrer=client.referrer_name,
    )


def with_letter_facts(courses: QuerySet[Course]) -> QuerySet[Course]:
    """Annotate: is the goodbye letter drafted; has it been shared with the client."""
    return courses.annotate(
        letter_drafted=Exists(Letter.objects.filter(course_id=OuterRef("pk"))),
        letter_shared=Exists(
            Letter.objects.filter(course_id=OuterRef("pk"), shared_at__isnull=False)
        ),
    )
