"""Django's database session store, its reads and writes with SQL made once per process.

Every request reads its session, and a request that changes it (a login, a chosen
membership, the idle timestamp moved on at most once a minute) writes it; the querysets
and model saves Django builds for these cost more to compile than to run. The row, the
table and every behaviour (keys, expiry, cycling keys, what a failed write raises) stay
Django's own: only the statements go through core.prepared, by key, with the expiry
compared here exactly as Django's query compares it (a session that expired is no
session).
"""

from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import CreateError, UpdateError
from django.contrib.sessions.models import Session
from django.db import IntegrityError, router, transaction
from django.utils import timezone

from patternwork.core.prepared import PreparedInsert, PreparedRead, PreparedUpdate

_BY_KEY = PreparedRead(lambda key: Session.objects.filter(session_key=key), str)
# Whether a key is taken, live or expired, as `exists()` asks when a new key is drawn.
_KEY_TAKEN = PreparedRead(
    lambda key: Session.objects.filter(session_key=key).values_list("session_key"), str
)
_INSERT = PreparedInsert(Session)
_UPDATE = PreparedUpdate(Session, ["session_data", "expire_date"], "session_key")


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        key = self.session_key
        found = _BY_KEY.rows(key) if key else []
        if found and found[0].expire_date > timezone.now():
            return found[0]
        self._session_key = None
        return None

    def exists(self, session_key):
        return bool(_KEY_TAKEN(session_key))

    def save(self, must_create=False):
        """Django's `save`, the same statement in the same transaction: an INSERT that
        raises CreateError when the key is taken, or an UPDATE that raises UpdateError
        when the row is gone (the session was deleted meanwhile)."""
        if self.session_key is None:
            return self.create()
        data = self._get_session(no_load=must_create)
        values = {
            "session_key": self._get_or_create_session_key(),
            "session_data": self.encode(data),
            "expire_date": self.get_expiry_date(),
        }
        using = router.db_for_write(Session)
        if must_create:
            try:
                with transaction.atomic(using=using):
                    _INSERT.plain([values], using=using)
            except IntegrityError as error:
                raise CreateError from error
            return
        with transaction.atomic(using=using):
            changed = _UPDATE(values.pop("session_key"), values, using=using)
        if not changed:
            raise UpdateError
