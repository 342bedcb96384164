"""`{% translate %}` of a fixed string, translated once per language and process.

Loaded after `i18n`, this library's `translate` replaces Django's in the template that
loads it; the node is the page frame's (core.templatetags.page_frame), which says when
it keeps the text and when it is Django's own node.
"""

from django import template

from patternwork.core.templatetags.page_frame import FixedTranslateNode, do_fixed_translate

__all__ = ["FixedTranslateNode", "register"]

register = template.Library()
register.tag("translate", do_fixed_translate)
