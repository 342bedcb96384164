"""The portal's own password reset: for client logins only, with the staff form's limits."""

from __future__ import annotations

from patternwork.accounts.forms import StaffPasswordResetForm
from patternwork.clients.models import Client


class PortalPasswordResetForm(StaffPasswordResetForm):
    """Sends a link to the portal's reset page, only to a client with portal access."""

    confirm_url_name = "portal:password-reset-confirm"
    audit_prefix = "portal"

    def may_reset(self, user) -> bool:
        return Client.objects.filter(user=user, status=Client.Status.ACTIVE).exists()
