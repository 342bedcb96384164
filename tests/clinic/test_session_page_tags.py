"""The session page's tags against the template loops they stand in for."""

import datetime as dt
import uuid
from types import SimpleNamespace

from django.template import Context, Template
from django.utils import translation

from patternwork.clinic.forms.courses import NoteForm
from patternwork.treatment import prompts

LOOP = Template(
    '{% for field in form %}{% if field.name != "version" and field.value %}'
    "<h3>{{ field.label }}</h3><p>{{ field.value|linebreaksbr }}</p>{% endif %}{% endfor %}"
)
TAG = Template("{% load session_page %}{% signed_note_text form %}")


def _forms():
    phase_prompts = prompts.prompts_for("middle")
    first = phase_prompts[0].key
    initial = {
        "version": 3,
        "body": 'Line one & <b>two</b>\nline "three"',
        f"prompt_{first}": "<script>x</script>\r\nnext",
    }
    return [
        NoteForm(prompts=phase_prompts, initial=initial),
        NoteForm(prompts=phase_prompts, initial={"version": 1, "body": ""}),
        NoteForm({"version": "2", "body": "bound\ntext"}, prompts=phase_prompts, initial=initial),
    ]


def test_signed_note_text_matches_the_template_loop():
    for form in _forms():
        assert TAG.render(Context({"form": form})) == LOOP.render(Context({"form": form}))
    written = TAG.render(Context({"form": _forms()[0]}))
    assert "Line one &amp; &lt;b&gt;two&lt;/b&gt;<br>line &quot;three&quot;" in written
    assert "&lt;script&gt;" in written


RESPONSES_LOOP = Template(
    "{% load i18n course_tables %}{% for response in responses %}\n"
    "      <li><strong>{{ response.instrument }}</strong> {{ response.total }}"
    "{% if response.max_total %}/{{ response.max_total }}{% endif %} · {{ response.band }}"
    '{% if response.caseness %} <span class="tag">{% translate "above caseness" %}</span>'
    "{% endif %}{% for flag in response.risk_flags.all %} "
    '<a class="tag tag--danger" href="{% id_url \'clinic:risk-flag\' flag.public_id %}">'
    '{% translate "Risk answer" %}: {{ flag.value_label }}{% if not flag.is_open %} '
    '({% translate "acknowledged" %}){% endif %}</a>{% endfor %}</li>\n    {% endfor %}'
)


def _response(instrument, total, max_total, band, caseness, flags=()):
    return SimpleNamespace(
        instrument=instrument,
        total=total,
        max_total=max_total,
        band=band,
        caseness=caseness,
        risk_flags=SimpleNamespace(all=lambda: list(flags)),
    )


def test_response_items_match_the_template_loop():
    flags = [
        SimpleNamespace(public_id=uuid.uuid4(), value_label="Nearly <every> day", is_open=True),
        SimpleNamespace(public_id=uuid.uuid4(), value_label="Several days", is_open=False),
    ]
    responses = [
        _response("PHQ-9", 17, 27, "Moderately severe & <more>", True, flags),
        _response("WSAS", 12, None, "Moderate", None),
        _response("CORE-10", 0, 40, "", False),
    ]
    tag = Template("{% load session_page %}{% response_items responses %}")
    context = Context({"responses": responses})
    assert tag.render(context) == RESPONSES_LOOP.render(context)
    written = tag.render(context)
    assert "Nearly &lt;every&gt; day" in written
    assert "(acknowledged)" in written


def test_session_of_and_signed_by_match_their_blocktranslates():
    note = SimpleNamespace(
        signed_at=dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC),
        signed_by=SimpleNamespace(user=SimpleNamespace(full_name="Dr <Ada> & 'Co'")),
    )
    context = Context({"note": note, "n": 7, "total": 16})
    loop = Template(
        "{% load i18n %}{% blocktranslate with n=n total=total %}Session {{ n }} of "
        "{{ total }}{% endblocktranslate %}|{% blocktranslate with "
        'who=note.signed_by.user.full_name when=note.signed_at|date:"j M Y H:i" %}'
        "Signed by {{ who }} on {{ when }}.{% endblocktranslate %}"
    )
    tag = Template("{% load session_page %}{% session_of n total %}|{% signed_by note %}")
    for language in ("en", "de", "fr"):
        with translation.override(language):
            assert tag.render(context) == loop.render(context)
    assert "Dr &lt;Ada&gt; &amp; &#x27;Co&#x27;" in tag.render(context)


def test_agreed_version_matches_its_blocktranslate():
    loop = Template(
        '{% load i18n %}{% blocktranslate with n=agreed.number day=agreed.agreed_on|date:"j M Y" %}'
        "Version {{ n }}, agreed {{ day }}.{% endblocktranslate %}"
    )
    tag = Template("{% load session_page %}{% agreed_version agreed %}")
    for day in (dt.date(2026, 1, 5), None):
        context = Context({"agreed": SimpleNamespace(number=3, agreed_on=day)})
        assert tag.render(context) == loop.render(context)


def test_session_times_match_the_date_filters():
    loop = Template(
        '{{ appointment.starts_at|date:"l j F Y, H:i" }}\N{EN DASH}'
        '{{ appointment.ends_at|date:"H:i" }}'
    )
    tag = Template("{% load session_page %}{% session_times appointment %}")
    for start in (
        dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC),
        dt.datetime(2026, 7, 1, 8, 5, tzinfo=dt.UTC),
    ):
        appointment = SimpleNamespace(starts_at=start, ends_at=start + dt.timedelta(minutes=50))
        context = Context({"appointment": appointment})
        for language in ("en", "de", "fr"):
            with translation.override(language):
                assert tag.render(context) == loop.render(context)
