"""The portal's `date:"l j F"` and `time:"H:i"`, with the names from `core.dates`.

Django's filters cast the lazy day and month names for every date they write; these
write the same text from names translated once per language. Like Django's, they are
given the value in the current time zone (`expects_localtime`).
"""

from datetime import date, datetime

from django import template
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import time as time_filter

from patternwork.core import dates
from patternwork.core.dates import date_names

register = template.Library()


@register.filter(expects_localtime=True)
def day_and_month(value) -> str:
    """`value|date:"l j F"` ("Monday 14 December") of a date or a time."""
    if not isinstance(value, date):
        return date_filter(value, "l j F")
    return date_names().long_day(value)


@register.filter(expects_localtime=True)
def hour_minute(value) -> str:
    """`value|time:"H:i"` ("09:30")."""
    if not isinstance(value, datetime):
        return time_filter(value, "H:i")
    return dates.hour_minute(value)
