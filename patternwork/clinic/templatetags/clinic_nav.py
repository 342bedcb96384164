"""The staff navigation, its links reversed and written once per process (core.navigation)."""

from functools import lru_cache

from django import template
from django.utils.translation import gettext_lazy as _

from patternwork.core.navigation import (
    Link,
    count_badge,
    current_view,
    render_links,
    render_plain_links,
)
from patternwork.core.words import kept

register = template.Library()

CASELOAD = Link("clinic:home", _("Caseload"))
REFERRALS = Link("clinic:referral-list", _("Referrals"))
WAITING = Link("clinic:waiting-list", _("Waiting list"))
OVERSIGHT = Link("clinic:oversight", _("Oversight"))
SUPERVISION = Link("clinic:supervision", _("Supervision"))
CLIENTS = Link("clinic:client-list", _("Clients"))
REPORTS = Link("clinic:service-report", _("Reports"))
ADMIN_LINKS = [
    Link("clinic:staff-list", _("Staff")),
    Link("clinic:practice-settings", _("Practice")),
    Link("clinic:category-set", _("Categories")),
    Link("clinic:closure-days", _("Closure days")),
    Link("clinic:caseload-import", _("Import")),
    Link("clinic:audit-log", _("Audit log")),
    Link("clinic:message-log", _("Messages")),
]
PROFILE = Link("clinic:profile", _("Public profile"))
ACCOUNT_LINKS = [
    Link("clinic:calendar-feed", _("Calendar feed")),
    Link("clinic:api-tokens", _("API tokens")),
    Link("clinic:password-change", _("Password")),
    Link("clinic:passkeys", _("Passkeys")),
]


MY_SUPERVISION = _("My supervision")


@lru_cache(maxsize=1024)
def my_supervision(public_id) -> Link:
    """The therapist's own supervision page: one link per therapist, kept like the others."""
    return Link("clinic:therapist-supervision", MY_SUPERVISION, (public_id,))


@register.simple_tag(takes_context=True)
def staff_navigation(context):
    """The main navigation's items for the request's member, by role."""
    membership = context["membership"]
    oversees = membership.is_supervisor or membership.is_admin
    links = [CASELOAD, REFERRALS, WAITING]
    if oversees:
        links.append(OVERSIGHT)
    if membership.is_supervisor:
        links.append(SUPERVISION)
    elif membership.is_therapist:
        links.append(my_supervision(membership.public_id))
    links.append(CLIENTS)
    if oversees:
        links.append(REPORTS)
    if membership.is_admin:
        links.extend(ADMIN_LINKS)
    extras = {}
    open_referrals = context.get("open_referral_count")
    if open_referrals:
        extras[REFERRALS.viewname] = count_badge(open_referrals, _("open"))
    return render_links(links, current_view(context.get("request")), extras)


@register.simple_tag(takes_context=True)
def member_role(context):
    """`{{ membership.get_role_display }}`, its label translated once per language."""
    membership = context["membership"]
    return kept((member_role, membership.role), membership.get_role_display)


@register.simple_tag(takes_context=True)
def staff_account_links(context):
    """The member's own account pages, beside the navigation."""
    links = ACCOUNT_LINKS if context["membership"].is_admin else [PROFILE, *ACCOUNT_LINKS]
    return render_plain_links(links)
