from django.utils import html as django_html
from django.utils.functional import lazy
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from patternwork.core.escaping import conditional_escape, escape_plain


class _Markup:
    def __html__(self):
        return "<b>kept</b>"

    def __str__(self):
        return "<b>not this</b>"


VALUES = [
    "plain",
    "<script>alert('x')</script> & \"quotes\"",
    mark_safe("<em>safe</em>"),
    gettext_lazy("Client"),
    lazy(lambda: "<i>lazy</i>", str)(),
    lazy(lambda: mark_safe("<i>lazy safe</i>"), str)(),
    _Markup(),
    12,
    3.5,
    None,
]


def test_conditional_escape_gives_djangos_text_for_every_kind_of_value():
    for value in VALUES:
        assert conditional_escape(value) == str(django_html.conditional_escape(value)), value


def test_escape_plain_escapes_text_as_django_does():
    for value in ["<a href='x'>&</a>", gettext_lazy("Client"), 7, "plain"]:
        assert escape_plain(value) == str(django_html.escape(value))


def test_text_with_any_one_of_the_five_characters_is_escaped_as_django_escapes_it():
    for special in "&<>\"'":
        for text in (special, f"a{special}", f"{special}b", f"Jo {special} Co {special}"):
            assert conditional_escape(text) == str(django_html.escape(text)), text
            assert escape_plain(text) == str(django_html.escape(text)), text
