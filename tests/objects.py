"""Build one object of each kind that object routes address, for access tests.

`build(kind, therapist)` makes an object belonging to that therapist's practice and, for
clinical kinds, to that therapist's caseload.
"""

from django.utils import timezone

from tests import factories

CASELOAD_KINDS = {
    "client",
    "referral",
    "course",
    "appointment",
    "note",
    "risk_flag",
    "track_flag",
    "person",
    "episode",
    "ipaf_version",
    "journal_entry",
    "letter",
    "waiting",
    "offer",
    "recording",
}


def _client(therapist):
    return factories.ClientFactory(practice=therapist.practice, therapist=therapist)


def _course(therapist):
    return factories.CourseFactory(client=_client(therapist), state="active")


def _appointment(therapist):
    return factories.AppointmentFactory(course=_course(therapist))


def _note(therapist):
    return factories.SessionNoteFactory(appointment__course=_course(therapist)).appointment


def _waiting(therapist):
    """A course on the waiting list; waiting-list routes are addressed by the course."""
    course = factories.CourseFactory(client=_client(therapist), state="assessment")
    factories.WaitingEntryFactory(course=course)
    return course


def _offer(therapist):
    course = _waiting(therapist)
    return factories.OfferFactory(entry=course.waiting_entries.get(), therapist=therapist)


def _risk_flag(therapist):
    appointment = factories.AppointmentFactory(
        course=_course(therapist), status="attended", session_number=1
    )
    return factories.RiskFlagFactory(response__appointment=appointment)


def _supervision_session(therapist):
    """A supervision session of the member's practice, with the member as supervisee."""
    from patternwork.supervision.models import SupervisionSession

    supervisor = factories.MembershipFactory(practice=therapist.practice, role="supervisor")
    session = SupervisionSession.objects.create(
        practice=therapist.practice, supervisor=supervisor, held_on=timezone.localdate()
    )
    session.supervisees.add(therapist)
    return session


def _supervision_action(therapist):
    session = _supervision_session(therapist)
    return session.actions.create(
        owner=session.supervisor, text="Fictional action", due_on=timezone.localdate()
    )


def _recording(therapist):
    """A recording's row; its file is never reached by an access test."""
    from patternwork.supervision.models import SessionRecording

    appointment = factories.AppointmentFactory(
        course=_course(therapist), status="attended", session_number=1
    )
    return SessionRecording.objects.create(
        practice=therapist.practice,
        appointment=appointment,
        course=appointment.course,
        therapist=therapist,
        uploaded_by=therapist,
        sealed="absent.sealed",
        content_type="audio/wav",
        size=1,
    )


BUILDERS = {
    "membership": lambda therapist: therapist,
    "client": _client,
    # Accepted, for the therapist's client: an unassigned referral is triage's alone.
    "referral": lambda therapist: _accepted_referral(therapist, "Rea Referred"),
    "course": _course,
    "appointment": _appointment,
    # Note routes are addressed by their appointment's public id.
    "note": _note,
    "risk_flag": _risk_flag,
    "track_flag": lambda therapist: factories.TrackFlagFactory(
        response__appointment__course=_course(therapist)
    ),
    "waiting": _waiting,
    "offer": _offer,
    "person": lambda therapist: factories.PersonFactory(client=_client(therapist)),
    "episode": lambda therapist: factories.EpisodeFactory(course=_course(therapist)),
    "ipaf_version": lambda therapist: factories.IpafVersionFactory(course=_course(therapist)),
    # Staff reach only entries the client shared.
    "journal_entry": lambda therapist: factories.JournalEntryFactory(
        course=_course(therapist), shared_at=timezone.now()
    ),
    # Letter routes are addressed by the course's public id; the course has its letter.
    "letter": lambda therapist: factories.LetterFactory(course=_course(therapist)).course,
    # Categories belong to the practice, not to a caseload.
    "category": lambda therapist: factories.CategoryFactory(practice=therapist.practice),
    # Caseload uploads belong to the practice; an admin of it uploaded them.
    "supervision_session": _supervision_session,
    "supervision_action": _supervision_action,
    "recording": _recording,
    "caseload_upload": lambda therapist: factories.CaseloadUploadFactory(
        uploaded_by__practice=therapist.practice
    ),
}


def build(kind, therapist):
    return BUILDERS[kind](therapist)


# Rows that list pages show, made for a therapist's caseload under a given client name:
# kind -> (builder, whether the row belongs to the therapist's caseload). An unassigned
# referral belongs to nobody's: only the practice's triage sees it.
def _client_named(therapist, name):
    return factories.ClientFactory(practice=therapist.practice, therapist=therapist, full_name=name)


def _waiting_named(therapist, name):
    course = factories.CourseFactory(client=_client_named(therapist, name), state="assessment")
    factories.WaitingEntryFactory(course=course)


def _course_named(therapist, name):
    factories.CourseFactory(client=_client_named(therapist, name), state="active")


def _accepted_referral(therapist, name):
    return factories.ReferralFactory(
        practice=therapist.practice,
        full_name=name,
        status="accepted",
        client=_client_named(therapist, name),
        decided_by=therapist,
        decided_at=timezone.now(),
    )


LIST_ROWS = {
    "client": (_client_named, True),
    "course": (_course_named, True),
    "waiting": (_waiting_named, True),
    "accepted_referral": (_accepted_referral, True),
    "open_referral": (
        lambda therapist, name: factories.ReferralFactory(
            practice=therapist.practice, full_name=name, status="contacted"
        ),
        False,
    ),
    "declined_referral": (
        lambda therapist, name: factories.ReferralFactory(
            practice=therapist.practice,
            full_name=name,
            status="declined",
            decline_reason="Needs a service for under-18s.",
            decided_by=therapist,
            decided_at=timezone.now(),
        ),
        False,
    ),
}
