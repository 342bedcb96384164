"""The page frame's fixed words and asset links, worked out once rather than on every page.

Every page renders the same frame: four asset links and a few fixed words. Django's
`{% static %}` asks the static files storage for each link on every render (a manifest
lookup, a join and a quote), and `{% translate %}` makes a lazy string, casts it, escapes
it and restores its percent signs each time; together that was a tenth of a plain page.

- `{% translate %}`: loaded after `i18n`, this library's tag replaces Django's in the
  template that loads it. For a plain literal (`{% translate "Plan" %}`: no filter, no
  `noop`, `context` or `as`) the node keeps the rendered text per language, which is the
  same text Django's node renders since a literal and its translation are both marked
  safe. Every other form is Django's own node. makemessages reads the tag by its name, so
  the strings are still extracted.
- `{% kept_static "path" %}`: `{% static "path" %}` for a literal path, kept per process
  until a setting it depends on changes (tests that swap the storage get fresh links).
"""

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.base import Variable
from django.templatetags.i18n import TranslateNode, do_translate
from django.templatetags.static import StaticNode
from django.utils.html import conditional_escape
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
        # The language is asked once per render and kept on the context: a page has
        # dozens of fixed words, and asking costs about twenty calls each time. No
        # template switches language part-way through a render (`{% language %}` is not
        # used: tests/clinic/test_page_words.py holds that).
        language = getattr(context, "_fixed_words_language", None)
        if language is None:
            language = context._fixed_words_language = get_language()
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


_static_urls: dict[str, str] = {}

# What a static link is made from: the storage and its settings, and whether the
# staticfiles app (or DEBUG, which makes the manifest storage serve plain names) is on.
STATIC_SETTINGS = {
    "STORAGES",
    "STATIC_ROOT",
    "STATIC_URL",
    "STATICFILES_STORAGE",
    "DEBUG",
    "INSTALLED_APPS",
}


@receiver(setting_changed)
def _forget_static(*, setting, **kwargs):
    if setting in STATIC_SETTINGS:
        _static_urls.clear()


class KeptStaticNode(template.Node):
    child_nodelists = ()

    def __init__(self, path: str):
        self.path = path

    def render(self, context) -> str:
        try:
            url = _static_urls[self.path]
        except KeyError:
            url = _static_urls[self.path] = StaticNode.handle_simple(self.path)
        return conditional_escape(url) if context.autoescape else url


@register.tag("kept_static")
def do_kept_static(parser, token):
    bits = token.split_contents()
    if len(bits) != 2 or bits[1][:1] not in {"'", '"'} or bits[1][-1:] != bits[1][:1]:
        raise template.TemplateSyntaxError("kept_static takes one quoted path.")
    return KeptStaticNode(bits[1][1:-1])
