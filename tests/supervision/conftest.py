"""Supervision scenarios: a trainee with a supervisor, a session with a signed note,
the default rating form, and a colleague outside the supervisor's scope."""

import pytest

from patternwork.accounts.models import Membership
from patternwork.supervision import services as supervision
from patternwork.supervision.models import Rubric
from patternwork.treatment import services as treatment
from tests.course_fixtures import attend, new_course
from tests.factories import MembershipFactory


@pytest.fixture
def rubric_form(practice):
    supervision.ensure_default_rubric(practice)
    return Rubric.objects.get(practice=practice, is_current=True)


@pytest.fixture
def attended(therapist, frozen):
    """Session 1 of a 16-session course of the trainee's, attended."""
    course = new_course(therapist, planned=16, name="Jo Bloggs")
    return attend(course, therapist, 1)[0]


@pytest.fixture
def signed_note(attended, therapist):
    note = treatment.save_note(
        appointment=attended,
        answers={},
        body="Talked about the relationship with an older sister.",
        expected_version=None,
        actor=therapist,
    )
    return treatment.sign_note(note=note, expected_version=note.version, actor=therapist)


@pytest.fixture
def cosigning(therapist, supervisor):
    """The trainee's notes need co-signing from now on."""
    return supervision.set_cosign_required(therapist=therapist, required=True, actor=supervisor)


@pytest.fixture
def outsider_course(other_therapist, frozen):
    """A course of a colleague whom the supervisor does not supervise."""
    course = new_course(other_therapist, planned=16, name="Pat Outsider")
    attend(course, other_therapist, 1)
    return course


@pytest.fixture
def other_supervisor(practice, other_therapist):
    member = MembershipFactory(
        practice=practice, role=Membership.Role.SUPERVISOR, user__full_name="Dr Gil Other"
    )
    member.supervisees.add(other_therapist)
    return member
