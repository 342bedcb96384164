"""Questionnaires the client fills in on the portal before a session.

The same instrument definitions, scorer and risk flags as in the clinic: a response is
linked to the appointment it comes before, kept as an unscored draft until the client
submits it, scored on submission, and locked for the client from then on (the therapist
can still correct it in the clinic). A risk answer raises its flag as soon as it is
saved, draft or not, in the same transaction as the answer itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from patternwork.clients.models import Client
from patternwork.core.prepared import PreparedRead, PreparedShapes
from patternwork.measures import definitions, scoring, services
from patternwork.measures.models import Response
from patternwork.measures.selectors import instruments_due
from patternwork.measures.services import Answers
from patternwork.treatment import selectors as treatment_selectors
from patternwork.treatment.models import Appointment

WINDOW_BEFORE = timedelta(hours=48)
WINDOW_AFTER = timedelta(hours=2)
OPEN_STATUSES = (Appointment.Status.BOOKED, Appointment.Status.ATTENDED)

NOT_YOURS = _("This appointment is not one of yours.")
NO_LOGIN = _("Only a client with portal access can fill in questionnaires.")
NOT_AVAILABLE = _("Questionnaires cannot be filled in for a cancelled or missed appointment.")
TOO_EARLY = _("The questionnaires for this appointment open on {opens}.")
TOO_LATE = _("The questionnaires for this appointment closed on {closes}.")
NOT_DUE = _("{code} is not due before this appointment.")
TWICE = _("{code} was given twice.")
WHEN_FORMAT = "j F Y, H:i"


class Window:
    EARLY = "early"
    OPEN = "open"
    CLOSED = "closed"
    UNAVAILABLE = "unavailable"


class Progress:
    TO_DO = "to_do"
    DRAFT = "draft"
    SENT = "sent"


def opens_at(appointment: Appointment) -> datetime:
    return appointment.starts_at - WINDOW_BEFORE


def closes_at(appointment: Appointment) -> datetime:
    return appointment.starts_at + WINDOW_AFTER


def window_state(appointment: Appointment, now: datetime) -> str:
    """Whether the client may fill in this appointment's questionnaires now.

    Open from 48 hours before the start until 2 hours after it, for a booked appointment
    or one the therapist has already marked attended (a client asked to fill them in at
    the start of the session); never for a cancelled or missed one.
    """
    if appointment.status not in OPEN_STATUSES:
        return Window.UNAVAILABLE
    if now < opens_at(appointment):
        return Window.EARLY
    if now > closes_at(appointment):
        return Window.CLOSED
    return Window.OPEN


@dataclass(frozen=True)
class DueQuestionnaire:
    instrument: definitions.Instrument
    progress: str
    response: Response | None

    @property
    def code(self) -> str:
        return self.instrument.code


@dataclass(frozen=True)
class Sheet:
    """One appointment's questionnaires as the client sees them."""

    appointment: Appointment
    window: str
    opens_at: datetime
    closes_at: datetime
    due: tuple[DueQuestionnaire, ...]

    @property
    def is_open(self) -> bool:
        return self.window == Window.OPEN

    @property
    def to_fill(self) -> tuple[DueQuestionnaire, ...]:
        return tuple(q for q in self.due if q.progress != Progress.SENT)

    @property
    def all_sent(self) -> bool:
        return not self.to_fill

    @property
    def has_risk_answer(self) -> bool:
        """Whether any answer here (sent or saved) is a risk answer (PHQ-9 item 9 > 0)."""
        for questionnaire in self.due:
            if questionnaire.response is not None and _risk_hits(
                questionnaire.instrument, questionnaire.response.answers
            ):
                return True
        return False


def _risk_hits(instrument, answers) -> tuple[scoring.RiskHit, ...]:
    try:
        return scoring.risk_hits(instrument, answers)
    except scoring.ResponseError:
        return ()


def _progress(response: Response | None) -> str:
    if response is None:
        return Progress.TO_DO
    return Progress.SENT if response.status == Response.Status.COMPLETE else Progress.DRAFT


def _responses_read(count: int) -> PreparedRead:
    return PreparedRead(
        lambda appointment_id, *codes: Response.objects.filter(
            appointment_id=appointment_id, instrument__in=codes
        ),
        int,
        *(str,) * count,
    )


# An appointment's responses to the questionnaires due, one read per number of them
# (two or three): the portal home and the questionnaire page run it on every request.
_RESPONSES = PreparedShapes(_responses_read)


def sheet_for(appointment: Appointment, now: datetime) -> Sheet:
    """The due questionnaires of one appointment, with what the client has done (2 queries)."""
    codes = instruments_due(appointment)
    responses = {r.instrument: r for r in _RESPONSES[len(codes)].rows(appointment.pk, *codes)}
    due = tuple(
        DueQuestionnaire(
            definitions.get_instrument(code), _progress(responses.get(code)), responses.get(code)
        )
        for code in codes
    )
    return Sheet(
        appointment=appointment,
        window=window_state(appointment, now),
        opens_at=opens_at(appointment),
        closes_at=closes_at(appointment),
        due=due,
    )


def next_sheet(client: Client, now: datetime) -> Sheet | None:
    """The questionnaires of the client's next appointment whose window has not closed."""
    appointment = next_sheet_appointment(client, now - WINDOW_AFTER).first()
    return sheet_for(appointment, now) if appointment is not None else None


def next_sheet_appointment(client: Client, since: datetime) -> QuerySet[Appointment]:
    """`next_sheet`'s appointment: the client's first booked or attended one from `since`
    (the window's length before now), with its course and its session position."""
    return next_sheet_rows(since).filter(course__client=client)


def next_sheet_rows(since: datetime) -> QuerySet[Appointment]:
    """`next_sheet_appointment` before the client's scope (`accounts.access.visible`)."""
    return treatment_selectors.with_session_positions(
        Appointment.objects.filter(status__in=OPEN_STATUSES, starts_at__gte=since)
        .select_related("course")
        .order_by("starts_at", "id")
    )


def _check_window(appointment: Appointment, now: datetime) -> None:
    state = window_state(appointment, now)
    if state == Window.UNAVAILABLE:
        raise ValidationError(NOT_AVAILABLE, code="unavailable")
    if state == Window.EARLY:
        raise ValidationError(TOO_EARLY.format(opens=_when(opens_at(appointment))), code="early")
    if state == Window.CLOSED:
        raise ValidationError(TOO_LATE.format(closes=_when(closes_at(appointment))), code="late")


def _when(moment: datetime) -> str:
    """A moment in the current time zone (the practice's, on portal pages), in words."""
    return formats.date_format(timezone.localtime(moment), WHEN_FORMAT)


def _check_due(answers: list[Answers], due: tuple[str, ...]) -> None:
    seen = set()
    for given in answers:
        if given.instrument not in due:
            raise ValidationError(NOT_DUE.format(code=given.instrument), code="not_due")
        if given.instrument in seen:
            raise ValidationError(TWICE.format(code=given.instrument), code="twice")
        seen.add(given.instrument)


def save_portal_responses(
    *, client: Client, appointment: Appointment, answers: Iterable[Answers], submit: bool
) -> list[Response]:
    """Save the client's answers to the questionnaires on one screen, as drafts or sent.

    The one recording service does the work (source: portal): a draft keeps its answers
    unscored; sending scores each questionnaire, and if any has unanswered items none is
    sent, every answer is kept as a draft and IncompleteSubmission names the missing
    items. A risk answer raises the clinic's risk flag at once, draft or not.
    """
    user = client.user
    if user is None or not user.is_active:
        raise ValidationError(NO_LOGIN, code="no_login")
    if appointment.course.client_id != client.pk:
        raise ValidationError(NOT_YOURS, code="not_yours")
    answers = list(answers)
    _check_window(appointment, timezone.now())
    _check_due(answers, instruments_due(appointment))
    return services.record_responses(
        appointment=appointment,
        answers=answers,
        source=Response.Source.PORTAL,
        user=user,
        submit=submit,
        guard=lambda locked: _check_window(locked, timezone.now()),
    )


def save_portal_response(
    *,
    client: Client,
    appointment: Appointment,
    instrument: str,
    answers: Mapping[str, int | None],
    submit: bool,
) -> Response:
    """Save one questionnaire (see save_portal_responses)."""
    return save_portal_responses(
        client=client,
        appointment=appointment,
        answers=[Answers(instrument, answers)],
        submit=submit,
    )[0]
