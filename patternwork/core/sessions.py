"""Django's database session store, reading a session with SQL made once per process.

Every request reads its session; the queryset Django builds for that read cost more to
compile than to run. The row, the table and every other behaviour (saving, expiry,
cycling keys) stay Django's own: only the read goes through core.prepared, by key, with
the expiry compared here exactly as Django's query compares it (a session that expired is
no session).
"""

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.utils import timezone

from patternwork.core.prepared import PreparedRead

_BY_KEY = PreparedRead(lambda key: Session.objects.filter(session_key=key), str)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        key = self.session_key
        found = _BY_KEY.rows(key) if key else []
        if found and found[0].expire_date > timezone.now():
            return found[0]
        self._session_key = None
        return None
