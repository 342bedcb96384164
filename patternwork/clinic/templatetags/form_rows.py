"""`{% form_fields form %}`: a form's fields as `clinic/partials/form_fields.html` writes
them, written in Python.

The partial resolves a dozen variables and tests per field through the template engine:
on the IPAF page, whose form is filled with the latest version and so cannot be kept
(`core.fast_widgets.unbound_fields`), that was a quarter of the page's rendering. This tag
writes the same bytes, every value escaped as the template escapes it (tests compare the
two over bound, unbound and invalid forms).
"""

from django import template
from django.forms import BaseForm
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def _errors(errors, opening: str, item: str) -> str:
    return "".join(
        (opening, *(f"<{item}>{conditional_escape(error)}</{item}>" for error in errors))
    )


@register.simple_tag
def form_fields(form: BaseForm) -> SafeString:
    out = []
    non_field = form.non_field_errors()
    if non_field:
        out.append(_errors(non_field, '<div class="errorlist" role="alert">', "p") + "</div>")
    out.append("\n")
    out.extend(str(field) for field in form.hidden_fields())
    out.append("\n")
    for field in form.visible_fields():
        errors = field.errors
        label = conditional_escape(field.label)
        out.append(f'\n  <div class="field{" field--error" if errors else ""}">\n    ')
        kind = field.widget_type
        if kind == "checkbox":
            out.append(
                f'\n      {field} <label class="inline" '
                f'for="{conditional_escape(field.id_for_label)}">{label}</label>\n    '
            )
        elif kind == "checkboxselectmultiple":
            out.append(f"\n      <fieldset><legend>{label}</legend>{field}</fieldset>\n    ")
        else:
            out.append(
                f'\n      <label for="{conditional_escape(field.id_for_label)}">{label}</label>'
                f"\n      {field}\n    "
            )
        out.append("\n    ")
        if field.help_text:
            out.append(
                f'<span class="helptext" id="{conditional_escape(field.auto_id)}_helptext">'
                f"{conditional_escape(field.help_text)}</span>"
            )
        out.append("\n    ")
        if errors:
            opening = f'<ul class="errorlist" id="{conditional_escape(field.auto_id)}_error">'
            out.append(_errors(errors, opening, "li") + "</ul>")
        out.append("\n  </div>\n")
    out.append("\n")
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped
