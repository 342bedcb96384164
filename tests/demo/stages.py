"""What the demo must show whatever day it is seeded: clients at every stage of a course."""

from patternwork.accounts.models import Practice
from patternwork.clients.models import Referral
from patternwork.demo import seed
from patternwork.treatment.models import Appointment, Course, WaitingEntry
from patternwork.treatment.selectors import current_phase


def assert_clients_at_every_stage() -> None:
    practice = Practice.objects.get(slug=seed.DEMO_SLUG)
    phases = []
    for course in Course.objects.filter(practice=practice, state="active"):
        attended = course.appointments.filter(status="attended").count()
        phases.append(current_phase(attended, course.planned_sessions).value)
    ended = Course.objects.filter(practice=practice, state="ended").order_by("end_reason")
    assert sorted(phases) == ["ending", "initial", "middle", "middle"]
    assert [
        (c.end_reason, c.appointments.filter(status="attended", kind="treatment").count())
        for c in ended
    ] == [("completed", 16), ("not_offered", 0)]
    # The way in: one client assessed and waiting with an open offer, one signposted
    # elsewhere with the letter shared on the portal.
    waiting = WaitingEntry.objects.get(practice=practice, left_at__isnull=True).course
    assert waiting.state == "assessment"
    assert waiting.waiting_entries.get().offers.get().status == "open"
    assert waiting.goals.count() == 3
    signposted = ended.get(end_reason="not_offered")
    assert signposted.assessment.decision == "signpost"
    assert signposted.client.decision_letters.get().state == "shared"
    assert Referral.objects.filter(practice=practice, status="new").count() == 1
    statuses = set(Appointment.objects.filter(practice=practice).values_list("status", flat=True))
    assert {"attended", "booked", "dna", "cancelled_client"} <= statuses
