"""`{% translate %}` of a fixed string, translated once per language and process.

Loaded after `i18n`, this library's `translate` replaces Django's in the template that
loads it. Django's tag makes a lazy string on every render and casts it, escapes it and
restores its percent signs each time: with fifty fixed words on the course page that was
a tenth of its rendering. For a plain literal (`{% translate "Plan" %}`, no filter, no
`noop`, `context` or `as`) this node keeps the rendered text per language, which is the
same text Django's node renders since a literal and its translation are both marked
safe. Every other form is Django's own node. makemessages reads the tag by its name, so
the strings are still extracted.
"""

from django import template
from django.template.base import Variable
from django.templatetags.i18n import TranslateNode, do_translate
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext

register = template.Library()


class FixedTranslateNode(template.Node):
    child_nodelists = ()

    def __init__(self, msgid: str):
        # The msgid exactly as Django's Variable passes it to gettext: percent signs
        # doubled, marked safe as a template literal is.
        self.msgid = mark_safe(msgid.replace("%", "%%"))  # noqa: S308 - a template literal
        self.texts: dict[str | None, str] = {}

    def render(self, context) -> str:
        language = get_language()
        try:
            return self.texts[language]
        except KeyError:
            text = mark_safe(str(gettext(self.msgid)).replace("%%", "%"))  # noqa: S308
            self.texts[language] = text
            return text


def _fixed_literal(node: TranslateNode) -> str | None:
    """The literal a node translates when it is the plain form, else None."""
    expression = node.filter_expression
    var = expression.var
    if node.noop or node.asvar or node.message_context is not None or expression.filters:
        return None
    if not isinstance(var, Variable) or var.lookups is not None or var.literal is None:
        return None
    return str(var.literal) if isinstance(var.literal, str) else None


@register.tag("translate")
def do_fixed_translate(parser, token):
    node = do_translate(parser, token)
    literal = _fixed_literal(node)
    return node if literal is None else FixedTranslateNode(literal)
