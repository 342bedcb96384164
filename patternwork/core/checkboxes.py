"""A list of checkboxes written in Python rather than through the widget templates.

Django renders each option of a CheckboxSelectMultiple through four nested templates;
a list of sixty episodes then cost more than the rest of its page. This widget writes
the markup those templates write, byte for byte (tests compare the two), with the same
escaping.
"""

from django import forms
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe


def _attrs(attrs: dict) -> str:
    # django/forms/widgets/attrs.html
    return "".join(
        f" {conditional_escape(name)}"
        + ("" if value is True else f'="{conditional_escape(str(value))}"')
        for name, value in attrs.items()
        if value is not False
    )


def _option(option: dict) -> str:
    # django/forms/widgets/checkbox_option.html, input_option.html and input.html
    value = option["value"]
    html = (
        f'<input type="{conditional_escape(option["type"])}" '
        f'name="{conditional_escape(option["name"])}"'
        + ("" if value is None else f' value="{conditional_escape(str(value))}"')
        + f"{_attrs(option['attrs'])}>\n"
    )
    if option["wrap_label"]:
        label_id = option["attrs"].get("id")
        opening = f'<label for="{conditional_escape(label_id)}">' if label_id else "<label>"
        html = f"{opening}{html} {conditional_escape(option['label'])}</label>"
    return f"{html}\n\n"


class CheckboxSelectMultiple(forms.CheckboxSelectMultiple):
    # The class name keeps `widget_type` "checkboxselectmultiple", which the form
    # templates test to put the list in a fieldset.
    def _render(self, template_name, context, renderer=None):
        if template_name != self.template_name:
            return super()._render(template_name, context, renderer)
        # django/forms/widgets/checkbox_select.html and multiple_input.html
        widget = context["widget"]
        attrs = widget["attrs"]
        parts = ["<div"]
        if attrs.get("id"):
            parts.append(f' id="{conditional_escape(attrs["id"])}"')
        if attrs.get("class"):
            parts.append(f' class="{conditional_escape(attrs["class"])}"')
        parts.append(">")
        for group, options, _index in widget["optgroups"]:
            if group:
                parts.append(f"\n  <div><label>{conditional_escape(group)}</label>")
            parts.extend(f"<div>\n    {_option(option)}</div>" for option in options)
            if group:
                parts.append("\n  </div>")
        parts.append("\n</div>")
        return mark_safe("".join(parts))  # noqa: S308 (every value above is escaped)
