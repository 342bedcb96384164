"""The portal's navigation for a logged-in client, its links reversed once per process."""

from django import template
from django.utils.translation import gettext_lazy as _

from patternwork.core.navigation import Link, current_view, render_links

register = template.Library()

CLIENT_LINKS = [
    Link("portal:home", _("Home")),
    Link("portal:journal", _("Journal")),
    Link("portal:ipaf-list", _("Our focus")),
    Link("portal:letters", _("Letters")),
    Link("portal:reminders", _("Reminders")),
]


@register.simple_tag(takes_context=True)
def client_navigation(context):
    """The client's navigation items, aria-current on the page being shown."""
    return render_links(CLIENT_LINKS, current_view(context.get("request")))
