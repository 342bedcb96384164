"""The public self-referral form, filled in as a person would."""

import datetime

from django.urls import reverse
from django.utils import timezone

from patternwork.portal.forms.referrals import issue_form_token


def page_url(practice) -> str:
    return reverse("portal:self-referral", args=[practice.slug])


def answers(practice, *, shown=datetime.timedelta(seconds=40), **overrides) -> dict:
    data = {
        "started": issue_form_token(practice, timezone.now() - shown),
        "full_name": "Robin Example",
        "preferred_name": "Rob",
        "pronouns": "they/them",
        "date_of_birth": "1995-02-14",
        "email": "robin@example.test",
        "phone": "07700 900456",
        "contact_by_email": "on",
        "voicemail_ok": "on",
        "reason": "I keep falling out with people close to me and feel low.",
        "availability": "Weekday evenings",
        "consent_contact": "on",
        "consent_store": "on",
        "website": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}
