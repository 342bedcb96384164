"""The signed note's text written by a tag, against the template loop it stands in for."""

from django.template import Context, Template

from patternwork.clinic.forms.courses import NoteForm
from patternwork.clinic.views.appointments import _status_label
from patternwork.treatment import prompts
from patternwork.treatment.models import Appointment

LOOP = Template(
    '{% for field in form %}{% if field.name != "version" and field.value %}'
    "<h3>{{ field.label }}</h3><p>{{ field.value|linebreaksbr }}</p>{% endif %}{% endfor %}"
)
TAG = Template("{% load note_text %}{% signed_note_text form %}")


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


def test_status_label_is_get_status_display():
    for status in [*Appointment.Status.values, "unknown"]:
        assert _status_label(status) == Appointment(status=status).get_status_display()
