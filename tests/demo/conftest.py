import datetime as dt
import io

from django.core.management import call_command

# The moment the shared demo (tests/demo/seeded) is seeded: the demo is built relative
# to "today".
SEEDED_AT = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()
