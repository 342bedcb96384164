"""Day and month names as Django's date formatter writes them, translated once per
language and process.

The formatter casts a lazy name for every date it writes ("D", "l", "M", "F"), about a
hundred Python calls a date: a page that lists a dozen dates paid that a dozen times.
Pages that write many dates in one language take the names from here and put each date
together themselves, in the current time zone as the `date` filter does.
"""

from dataclasses import dataclass

from django.utils.dates import MONTHS, MONTHS_3, WEEKDAYS, WEEKDAYS_ABBR

from patternwork.core.words import kept


@dataclass(frozen=True, slots=True)
class DateNames:
    """Weekdays by `date.weekday()`, months by number (the first entry is unused)."""

    weekdays_abbr: tuple[str, ...]  # "D"
    weekdays: tuple[str, ...]  # "l"
    months_abbr: tuple[str, ...]  # "M"
    months: tuple[str, ...]  # "F"

    def long_day(self, value) -> str:
        """`date:"l j F"` of a date or a local time ("Monday 14 December")."""
        return f"{self.weekdays[value.weekday()]} {value.day} {self.months[value.month]}"


def hour_minute(value) -> str:
    """`time:"H:i"` of a local time ("09:30"): two digits each side of the colon."""
    return f"{value.hour:02d}:{value.minute:02d}"


def _names() -> DateNames:
    return DateNames(
        weekdays_abbr=tuple(str(WEEKDAYS_ABBR[day]) for day in range(7)),
        weekdays=tuple(str(WEEKDAYS[day]) for day in range(7)),
        months_abbr=("", *(str(MONTHS_3[month]).title() for month in range(1, 13))),
        months=("", *(str(MONTHS[month]) for month in range(1, 13))),
    )


def date_names(language: str | None = None) -> DateNames:
    """The names in the active language (`language`, when the caller has asked it)."""
    return kept(date_names, _names, language)
