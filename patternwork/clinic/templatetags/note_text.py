"""`{% signed_note_text form %}`: a signed note's answers on the session page.

The template's loop over the note form resolved the field's name, value, label and a
filter through the template engine for each of the note's prompts; this tag writes the
same bytes (a test compares the two), every value escaped as the template escapes it.
"""

from django import template
from django.forms import BaseForm
from django.template.defaultfilters import linebreaksbr
from django.utils.safestring import SafeString, mark_safe

from patternwork.core.escaping import conditional_escape

register = template.Library()


@register.simple_tag
def signed_note_text(form: BaseForm) -> SafeString:
    """Each field but the version that has a value: its label, then its text with line
    breaks (`{{ field.value|linebreaksbr }}`)."""
    out = []
    for field in form:
        if field.name == "version":
            continue
        value = field.value()
        if value:
            out.append(
                f"<h3>{conditional_escape(field.label)}</h3>"
                f"<p>{conditional_escape(linebreaksbr(value, autoescape=True))}</p>"
            )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped
