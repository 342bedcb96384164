"""Form widgets written in Python rather than through Django's widget templates.

Django renders every widget, and every option of a select or a list of checkboxes, through
nested templates: the form on a page then costs more than the rest of the page. These
widgets write the markup those templates write, byte for byte (tests compare the two), with
the same escaping. They subclass Django's own and keep their class names, so everything else
about them (values, `widget_type`, validation) is Django's.
"""

from collections.abc import Callable, Hashable

from django import forms
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from patternwork.core.escaping import conditional_escape


def _attrs(attrs: dict, escape=conditional_escape) -> str:
    # django/forms/widgets/attrs.html
    return "".join(
        f" {escape(name)}" + ("" if value is True else f'="{conditional_escape(str(value))}"')
        for name, value in attrs.items()
        if value is not False
    )


class _Once(dict):
    """Escapes each text once per widget: the parts every option of a list repeats (its
    type, its name, its attributes' names). Keyed by type as well, since a safe string
    and a plain one may hold the same characters and escape differently."""

    def __call__(self, value) -> str:
        key = (type(value), value)
        escaped = self.get(key)
        if escaped is None:
            escaped = self[key] = conditional_escape(value)
        return escaped


def _input(widget: dict) -> str:
    # django/forms/widgets/input.html
    value = widget["value"]
    return (
        f'<input type="{conditional_escape(widget["type"])}" '
        f'name="{conditional_escape(widget["name"])}"'
        + ("" if value is None else f' value="{conditional_escape(str(value))}"')
        + f"{_attrs(widget['attrs'])}>"
    )


def _select_option(option: dict) -> str:
    # django/forms/widgets/select_option.html
    return (
        f'<option value="{conditional_escape(str(option["value"]))}"'
        f"{_attrs(option['attrs'])}>{conditional_escape(option['label'])}</option>\n"
    )


class _Fast:
    def _render(self, template_name, context, renderer=None):
        if template_name != self.template_name:
            return super()._render(template_name, context, renderer)
        return mark_safe(self.write(context["widget"]))  # noqa: S308 (escaped in write)


class TextInput(_Fast, forms.TextInput):
    write = staticmethod(_input)


class NumberInput(_Fast, forms.NumberInput):
    write = staticmethod(_input)


class HiddenInput(_Fast, forms.HiddenInput):
    write = staticmethod(_input)


class DateInput(_Fast, forms.DateInput):
    write = staticmethod(_input)


class Textarea(_Fast, forms.Textarea):
    @staticmethod
    def write(widget: dict) -> str:
        # django/forms/widgets/textarea.html
        value = conditional_escape(widget["value"]) if widget["value"] else ""
        return (
            f'<textarea name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>'
            f"\n{value}</textarea>"
        )


class Select(_Fast, forms.Select):
    @staticmethod
    def write(widget: dict) -> str:
        # django/forms/widgets/select.html
        parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group, options, _index in widget["optgroups"]:
            if group:
                parts.append(f'\n  <optgroup label="{conditional_escape(group)}">')
            parts.extend(f"\n  {_select_option(option)}" for option in options)
            if group:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return "".join(parts)


def _checkbox_options(options: list, once: _Once) -> str:
    # django/forms/widgets/checkbox_option.html and input_option.html, each option in its
    # <div>, in one pass: what every option repeats (type, name, attribute names) is
    # escaped once, and an option's id once for its input and its label.
    parts = []
    for option in options:
        value = option["value"]
        attrs = option["attrs"]
        label_id = attrs.get("id")
        escaped_id = conditional_escape(str(label_id)) if label_id else None
        attributes = "".join(
            f" {once(name)}"
            + (
                ""
                if given is True
                else f'="{escaped_id}"'
                if given is label_id
                else f'="{conditional_escape(str(given))}"'
            )
            for name, given in attrs.items()
            if given is not False
        )
        html_ = (
            f'<input type="{once(option["type"])}" name="{once(option["name"])}"'
            + ("" if value is None else f' value="{conditional_escape(str(value))}"')
            + f"{attributes}>\n"
        )
        if option["wrap_label"]:
            opening = f'<label for="{escaped_id}">' if label_id else "<label>"
            html_ = f"{opening}{html_} {conditional_escape(option['label'])}</label>"
        parts.append(f"<div>\n    {html_}\n\n</div>")
    return "".join(parts)


class CheckboxSelectMultiple(_Fast, forms.CheckboxSelectMultiple):
    @staticmethod
    def write(widget: dict) -> str:
        # django/forms/widgets/checkbox_select.html and multiple_input.html
        attrs = widget["attrs"]
        once = _Once()
        parts = ["<div"]
        if attrs.get("id"):
            parts.append(f' id="{conditional_escape(attrs["id"])}"')
        if attrs.get("class"):
            parts.append(f' class="{conditional_escape(attrs["class"])}"')
        parts.append(">")
        for group, options, _index in widget["optgroups"]:
            if group:
                parts.append(f"\n  <div><label>{conditional_escape(group)}</label>")
            parts.append(_checkbox_options(options, once))
            if group:
                parts.append("\n  </div>")
        parts.append("\n</div>")
        return "".join(parts)


class RadioSelect(_Fast, forms.RadioSelect):
    """Each option's own input (`BoundWidget.tag()`, for a page that lays the options out
    itself) written in Python; the whole list, when a page asks for it, is Django's."""

    def _render(self, template_name, context, renderer=None):
        widget = context["widget"]
        if template_name == self.option_template_name and not widget.get("wrap_label"):
            # django/forms/widgets/radio_option.html without its label: input.html
            return mark_safe(_input(widget))  # noqa: S308 (escaped in _input)
        return forms.RadioSelect._render(self, template_name, context, renderer)


# Django's widget class -> ours, for exactly those classes (a subclass may render otherwise).
FAST = {
    cls.__mro__[2]: cls
    for cls in (
        TextInput,
        NumberInput,
        HiddenInput,
        DateInput,
        Textarea,
        Select,
        CheckboxSelectMultiple,
        RadioSelect,
    )
}


def speed_up(form: forms.BaseForm) -> None:
    """Give the form's fields our widgets where they use exactly one of Django's: the same
    widget (attributes, choices and all), written without templates."""
    for field in form.fields.values():
        fast = FAST.get(type(field.widget))
        if fast is not None:
            field.widget.__class__ = fast


# Unbound forms' fields as written, by template, language and the caller's key.
_UNBOUND: dict[tuple, str] = {}


def unbound_fields(form: forms.BaseForm, template: str, key: Hashable = ()) -> str | None:
    """The fields of an unbound form written by `template`, once per language and `key`
    (which must hold everything else that changes them: its choices, say). With no data
    and no errors they are the same for every request that shows them. None for a bound
    form, which the page writes with its values and errors. A bounded number are kept."""
    if form.is_bound:
        return None
    cache_key = (template, get_language(), key)
    html = _UNBOUND.get(cache_key)
    if html is None:
        if len(_UNBOUND) >= 64:
            _UNBOUND.clear()
        html = _UNBOUND[cache_key] = render_to_string(template, {"form": form})
    return html


def kept_unbound_fields(
    build: Callable[[], forms.BaseForm], template: str, key: Hashable = ()
) -> str | None:
    """`unbound_fields` of the unbound form `build()` makes, the form built only when its
    fields are not kept yet: building a form copies every field and widget."""
    html = _UNBOUND.get((template, get_language(), key))
    return html if html is not None else unbound_fields(build(), template, key)
