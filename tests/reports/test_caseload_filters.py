"""The caseload's filters, each a shape of its compiled read, narrow within the scope."""

from django.utils import timezone

from patternwork.reports.caseload import caseload
from patternwork.treatment.models import Course
from tests.factories import ClientFactory, CourseFactory


def _course(member, name, state, **ending):
    return CourseFactory(
        client=ClientFactory(practice=member.practice, therapist=member, full_name=name),
        state=state,
        **ending,
    )


def _names(found):
    return [row.client.full_name for row in found.rows]


def test_the_caseload_filters_by_state_and_therapist_within_the_scope(
    therapist, other_therapist, supervisor
):
    _course(therapist, "Ann Active", Course.State.ACTIVE)
    _course(therapist, "Bea Assessed", Course.State.ASSESSMENT)
    _course(supervisor, "Cal Own", Course.State.ACTIVE)
    _course(other_therapist, "Dee Elsewhere", Course.State.ACTIVE)
    _course(
        therapist,
        "Eve Ended",
        Course.State.ENDED,
        end_reason=Course.EndReason.COMPLETED,
        ended_at=timezone.now(),
    )
    mine = str(therapist.public_id)

    assert _names(caseload(supervisor)) == ["Ann Active", "Bea Assessed", "Cal Own"]
    assert _names(caseload(supervisor, state=Course.State.ACTIVE)) == ["Ann Active", "Cal Own"]
    assert _names(caseload(supervisor, therapist=mine)) == ["Ann Active", "Bea Assessed"]
    assert _names(caseload(supervisor, state=Course.State.ASSESSMENT, therapist=mine)) == [
        "Bea Assessed"
    ]
    # Another therapist's clients stay out whatever the filter names.
    assert _names(caseload(supervisor, therapist=str(other_therapist.public_id))) == []
    assert _names(caseload(therapist, state=Course.State.ACTIVE)) == ["Ann Active"]
    assert _names(caseload(supervisor, query="bea")) == ["Bea Assessed"]
