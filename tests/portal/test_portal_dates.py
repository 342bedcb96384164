import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

DJANGO = Template('{{ value|date:"l j F" }} {{ value|time:"H:i" }}')
OURS = Template("{% load portal_dates %}{{ value|day_and_month }} {{ value|hour_minute }}")


@pytest.mark.parametrize("language", ["en-gb", "fr", "de"])
def test_the_portals_date_filters_write_what_djangos_write(language):
    values = [
        dt.datetime(2026, month, day, hour, minute, tzinfo=dt.UTC)
        for month, day, hour, minute in ((1, 4, 0, 5), (3, 29, 0, 30), (10, 25, 23, 59))
    ]
    with translation.override(language), timezone.override(ZoneInfo("Europe/London")):
        for value in [*values, dt.date(2026, 12, 14), None, ""]:
            context = {"value": value}
            assert OURS.render(Context(context)) == DJANGO.render(Context(context)), value
