"""One rule for a booked session's expected number: the course page, the client's
questionnaires and the calendars all use it, and so does the goodbye letter's session."""

from patternwork.measures import presession
from patternwork.treatment import plan, services
from patternwork.treatment.models import Appointment
from patternwork.treatment.selectors import (
    course_view,
    expected_session_number,
    session_number,
    with_session_positions,
)


def test_a_booked_session_after_an_unmarked_one_counts_it(started, therapist):
    first, unmarked, second, *later = started.appointments.order_by("starts_at")
    services.mark_attended(appointment=first, actor=therapist)
    services.mark_attended(appointment=second, actor=therapist)
    # Week 2 was never marked: if the client came to it, the next booked one is session 4.
    next_booked = later[0]

    page = {item.appointment.pk: item.expected_number for item in course_view(started).timeline}
    feed = {
        a.pk: session_number(a)
        for a in with_session_positions(Appointment.objects.filter(course=started))
    }

    assert (unmarked.status, next_booked.status) == ("booked", "booked")
    assert expected_session_number(next_booked) == 4
    assert page[next_booked.pk] == feed[next_booked.pk] == 4
    assert page[unmarked.pk] == feed[unmarked.pk] == expected_session_number(unmarked) == 2
    assert presession.instruments_due(next_booked) == plan.measures_due(4, 16)


def test_attended_and_cancelled_sessions_have_their_own_numbers(started, therapist):
    first, cancelled, *_ = started.appointments.order_by("starts_at")
    services.mark_attended(appointment=first, actor=therapist)
    services.cancel_appointment(appointment=cancelled, by="client", reason="Ill", actor=therapist)

    assert expected_session_number(Appointment.objects.get(pk=first.pk)) == 1
    assert expected_session_number(Appointment.objects.get(pk=cancelled.pk)) is None


def test_the_letter_is_shared_in_the_chosen_or_the_penultimate_session(started):
    assert [plan.letter_share_session(n, None) for n in (8, 16, 30)] == [7, 15, 29]
    assert plan.letter_share_session(16, 12) == 12
    assert started.share_session == 15
    started.letter_share_session = 14
    assert started.share_session == 14


def test_attended_treatment_is_one_filter(started, therapist):
    first, second, *_ = started.appointments.order_by("starts_at")
    services.mark_attended(appointment=first, actor=therapist)
    services.mark_did_not_attend(appointment=second, actor=therapist)

    assert list(started.appointments.attended_treatment()) == [first]


def test_an_earlier_session_attended_later_renumbers_the_ones_after_it(started, therapist):
    first, second, third, *_ = started.appointments.order_by("starts_at")
    services.mark_attended(appointment=second, actor=therapist)
    services.mark_attended(appointment=third, actor=therapist)

    recorded = services.mark_attended(appointment=first, actor=therapist)
    # Back to no number when its outcome changes away from attended.
    missed = services.mark_did_not_attend(appointment=second, actor=therapist)

    numbers = dict(started.appointments.values_list("pk", "session_number"))
    assert recorded.session_number == 1
    assert missed.session_number is None
    assert (numbers[first.pk], numbers[second.pk], numbers[third.pk]) == (1, None, 2)
