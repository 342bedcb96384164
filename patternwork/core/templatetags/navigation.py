"""`{% nav_url %}`: a fixed link of the page frame, reversed once per process."""

from django import template

from patternwork.core.navigation import cached_reverse

register = template.Library()


@register.simple_tag
def nav_url(viewname):
    """`{% url viewname %}` for a link without arguments that every page shows (log out)."""
    return cached_reverse(viewname)
