"""The client's home page and calendar file."""

import datetime as dt
from html import unescape
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import strip_tags

from patternwork.accounts.models import Membership, User
from patternwork.measures import definitions
from patternwork.measures import presession as questionnaires
from patternwork.measures.services import Answers
from patternwork.portal import home_lists
from patternwork.treatment.models import Appointment
from tests.factories import AppointmentFactory, CourseFactory, PortalClientFactory

pytestmark = pytest.mark.usefixtures("frozen")

# Wednesday 1 April 2026, 12:00 in London (BST).
NOW = dt.datetime(2026, 4, 1, 11, 0, tzinfo=dt.UTC)
HOME = reverse("portal:home")
CALENDAR = reverse("portal:calendar")


@pytest.fixture
def jo(therapist):
    return PortalClientFactory(
        practice=therapist.practice,
        therapist=therapist,
        full_name="Joanna Bloggs",
        preferred_name="Jo",
    )


def at(day, hour, minute=0):
    """A London wall-clock time in April 2026 (BST, UTC+1), as UTC."""
    return dt.datetime(2026, 4, day, hour - 1, minute, tzinfo=dt.UTC)


def text(response) -> str:
    """What a reader sees: the page without tags, spaces collapsed."""
    return " ".join(unescape(strip_tags(response.content.decode())).split())


def html(response) -> str:
    return " ".join(response.content.decode().split())


def test_home_lists_the_next_appointments_with_date_time_and_length(client, jo, jo_course):
    AppointmentFactory(course=jo_course, starts_at=at(6, 10), ends_at=at(6, 10, 50))
    AppointmentFactory(course=jo_course, starts_at=at(13, 17, 30), ends_at=at(13, 18, 30))
    AppointmentFactory(course=jo_course, starts_at=at(8, 9), status="cancelled_client")
    AppointmentFactory(course=jo_course, starts_at=at(1, 9), ends_at=at(1, 9, 50))  # past
    other = PortalClientFactory(practice=jo.practice, therapist=jo.therapist)
    AppointmentFactory(course=CourseFactory(client=other), starts_at=at(7, 11))
    client.force_login(jo.user)

    response = client.get(HOME)

    assert response.status_code == 200
    assert [a.starts_at for a in response.context["appointments"]] == [at(6, 10), at(13, 17, 30)]
    page = text(response)
    assert "Hello, Jo" in page
    assert (
        "Monday 6 April 2026 at 10:00, for 50 minutes · Therapy session with Dr Ada Therapist"
        in page
    )
    assert "Monday 13 April 2026 at 17:30, for 60 minutes" in page
    assert "Wednesday 8 April" not in page
    assert "Tuesday 7 April" not in page


def test_home_says_when_the_questionnaires_open(client, jo, jo_course):
    AppointmentFactory(course=jo_course, starts_at=at(6, 10))
    client.force_login(jo.user)

    response = client.get(HOME)
    page = text(response)

    assert "For your appointment on Monday 6 April at 10:00:" in page
    assert "Patient Health Questionnaire (PHQ-9): to do" in page
    assert "You can fill them in from Saturday 4 April at 10:00" in page
    link = reverse("portal:questionnaire", args=[jo_course.appointments.get().public_id])
    assert link not in html(response)


def test_home_links_the_questionnaires_once_open_and_shows_progress(client, jo, jo_course):
    appointment = AppointmentFactory(course=jo_course, starts_at=at(2, 10))
    questionnaires.save_portal_responses(
        client=jo,
        appointment=appointment,
        answers=[Answers("PHQ-9", {"q1": 1})],
        submit=False,
    )
    client.force_login(jo.user)

    response = client.get(HOME)

    page = text(response)
    link = reverse("portal:questionnaire", args=[appointment.public_id])
    assert f'<a class="button" href="{link}">Fill in the questionnaires</a>' in html(response)
    assert "Patient Health Questionnaire (PHQ-9): started, not sent yet" in page
    assert "Generalised Anxiety Disorder Assessment (GAD-7): to do" in page
    # The first session: functioning (WSAS) is due as well.
    assert [q.code for q in response.context["sheet"].due] == ["PHQ-9", "GAD-7", "WSAS"]
    assert "You can fill them in until Thursday 2 April at 12:00." in page


def test_home_with_nothing_booked(client, jo):
    client.force_login(jo.user)

    page = text(client.get(HOME))

    assert "No appointments are booked at the moment." in page
    assert "Nothing to fill in: there is no appointment coming up." in page


@pytest.mark.parametrize("count", [1, 10])
def test_home_query_count_does_not_grow_with_appointments(
    client, jo, jo_course, count, django_assert_num_queries
):
    for week in range(count):
        start = at(6, 10) + dt.timedelta(weeks=week)
        AppointmentFactory(course=jo_course, starts_at=start)
    client.force_login(jo.user)
    client.get(HOME)

    # The next appointment comes with its session position: no second read of it.
    with django_assert_num_queries(10):
        response = client.get(HOME)

    assert len(response.context["appointments"]) == count


def test_home_links_the_journal_and_letters_when_they_exist(client, jo):
    client.force_login(jo.user)

    page = html(client.get(HOME))

    for name, label in (("portal:journal", "Journal"), ("portal:letters", "Letters")):
        try:
            url = reverse(name)
        except NoReverseMatch:
            assert f">{label}</a>" not in page
        else:
            assert f'<a href="{url}">{label}</a>' in page


def test_calendar_file_holds_exactly_the_clients_appointments(client, jo, jo_course):
    mine = [
        AppointmentFactory(course=jo_course, starts_at=at(1, 10) - dt.timedelta(weeks=1)),
        AppointmentFactory(course=jo_course, starts_at=at(6, 10)),
        AppointmentFactory(course=jo_course, starts_at=at(13, 10), status="cancelled_therapist"),
    ]
    other = PortalClientFactory(practice=jo.practice, therapist=jo.therapist)
    AppointmentFactory(course=CourseFactory(client=other), starts_at=at(7, 11))
    client.force_login(jo.user)

    response = client.get(CALENDAR)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="northgate-therapies-appointments-{jo.client_number.lower()}.ics"'
    )
    calendar = icalendar.Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    assert {str(e["UID"]) for e in events} == {f"{a.public_id}@patternwork" for a in mine}
    by_uid = {str(e["UID"]): e for e in events}
    second = by_uid[f"{mine[1].public_id}@patternwork"]
    assert str(second["SUMMARY"]) == "Therapy session with Dr Ada Therapist at Northgate Therapies"
    assert second.decoded("DTSTART") == at(6, 10)
    assert str(by_uid[f"{mine[2].public_id}@patternwork"]["STATUS"]) == "CANCELLED"


def test_every_portal_page_shows_the_crisis_lines_and_the_not_watched_line(client, jo, jo_course):
    appointment = AppointmentFactory(course=jo_course, starts_at=at(2, 10))
    client.force_login(jo.user)
    pages = [
        HOME,
        reverse("portal:otp-setup"),
        reverse("portal:questionnaire", args=[appointment.public_id]),
    ]
    client.get(pages[0])
    for url in pages:
        page = text(client.get(url))
        assert "Samaritans are there day and night on 116 123 (free)." in page, url
        assert "Messages and answers in this portal are not watched around the clock." in page


# The home page's loop over its appointments, as the template wrote it.
APPOINTMENT_LOOP = Template(
    "{% load i18n %}"
    "{% for appointment in appointments %}\n"
    "          <li>\n"
    '            <strong>{{ appointment.starts_at|date:"l j F Y" }}</strong>\n'
    '            {% blocktranslate with time=appointment.starts_at|time:"H:i" minutes=appointment.duration_minutes %}at {{ time }}, for {{ minutes }} minutes{% endblocktranslate %}\n'
    '            <span class="muted">· {% if appointment.kind == "assessment" %}{% translate "Assessment" %}{% else %}{% translate "Therapy session" %}{% endif %} {% blocktranslate with name=appointment.therapist.user.full_name %}with {{ name }}{% endblocktranslate %}</span>\n'
    "          </li>\n"
    "        {% endfor %}"
)


def test_the_appointment_list_is_the_templates_loop():
    rows = [
        home_lists.UpcomingAppointment("treatment", at(6, 10), at(6, 10, 50), "Dr <A> & 'B'"),
        home_lists.UpcomingAppointment("assessment", at(13, 9), at(13, 10, 30), 'Di "D"'),
    ]
    appointments = [
        Appointment(
            kind=row.kind,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            therapist=Membership(user=User(full_name=row.therapist_name)),
        )
        for row in rows
    ]

    # The practice's time zone, as the portal's pages have it.
    with timezone.override(ZoneInfo("Europe/London")):
        written = home_lists.appointment_list(rows)
        looped = APPOINTMENT_LOOP.render(Context({"appointments": appointments}))

    assert written == looped
    assert "Monday 6 April 2026" in written
    assert "at 10:00, for 50 minutes" in written
    assert "Assessment with Di &quot;D&quot;" in written


# The loop over the questionnaires due, as the template wrote it.
DUE_LOOP = Template(
    "{% load i18n %}"
    "{% for questionnaire in sheet.due %}\n"
    "          <li>{{ questionnaire.instrument.title }}:\n"
    '            {% if questionnaire.progress == "sent" %}<span class="tag tag--ok">{% translate "sent, thank you" %}</span>\n'
    '            {% elif questionnaire.progress == "draft" %}<span class="tag tag--warn">{% translate "started, not sent yet" %}</span>\n'
    '            {% else %}<span class="tag">{% translate "to do" %}</span>{% endif %}\n'
    "          </li>\n"
    "        {% endfor %}"
)


def test_the_due_list_is_the_templates_loop():
    instrument = definitions.get_instrument("PHQ-9")
    due = [
        questionnaires.DueQuestionnaire(instrument, progress, None)
        for progress in ("sent", "draft", "to_do")
    ]

    written = home_lists.due_list(due)

    assert written == DUE_LOOP.render(Context({"sheet": {"due": due}}))
    assert "sent, thank you" in written
    assert "started, not sent yet" in written
