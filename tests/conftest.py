import gc
import itertools
import os
import re
from importlib import import_module

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from hypothesis import settings as hypothesis_settings

from patternwork.accounts.models import Membership, TOTPDevice, User
from patternwork.accounts.practice_setup import practice_created
from patternwork.audit import triggers
from patternwork.core.prepared import PreparedInsert, PreparedUpdate
from patternwork.formulation.models import Category
from tests import migrated_template
from tests.factories import MembershipFactory, PracticeFactory
from tests.kept_chain import KeptChainClient
from tests.migrated_template import use_template

# A test run allocates many short-lived objects (requests, querysets, rendered templates)
# beside a large heap of long-lived ones (Django, every test module, data built once per
# module). With Python's default thresholds the collector walks that heap again hundreds of
# times a run, about a tenth of a worker's CPU. Fewer, larger young-generation passes, and
# the heap that exists after collection frozen out of later passes (pytest_collection_finish),
# still collect every cycle the tests make.
gc.set_threshold(50_000, 20, 100)

# Fixtures shared across folders: courses at a frozen clock, and caseload import files.
pytest_plugins = ["tests.course_fixtures", "tests.interop.caseload_rows"]

DB_FIXTURES = {"db", "transactional_db", "django_db_setup"}
WRITE = re.compile(r'^\s*(?:INSERT INTO|UPDATE|DELETE FROM)\s+"?(\w+)"?', re.IGNORECASE)

# Property tests explore the same examples on every run, so CI results are repeatable;
# HYPOTHESIS_PROFILE=explore searches afresh each time (and keeps what it found).
hypothesis_settings.register_profile("repeatable", derandomize=True, deadline=None, database=None)
hypothesis_settings.register_profile("explore", deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """Just before the test database is made: start it from the migrated copy (SQLite)."""
    use_template()


def pytest_report_header(config):
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    only = " (database tests only)" if os.environ.get("PATTERNWORK_DB_TESTS_ONLY") == "1" else ""
    return f"patternwork database: {engine}{only}"


def pytest_collection_finish(session):
    gc.collect()
    gc.freeze()


def pytest_collection_modifyitems(config, items):
    """On the PostgreSQL pass, run only the tests that touch the database."""
    if os.environ.get("PATTERNWORK_DB_TESTS_ONLY") != "1":
        return
    selected, deselected = [], []
    for item in items:
        uses_db = item.get_closest_marker("django_db") or DB_FIXTURES & set(
            getattr(item, "fixturenames", ())
        )
        # The browser path runs once, on the SQLite pass: it tests the pages, and its
        # live server's connection would outlive the throwaway PostgreSQL database.
        if item.get_closest_marker("e2e"):
            uses_db = False
        (selected if uses_db else deselected).append(item)
    config.hook.pytest_deselected(items=deselected)
    items[:] = selected


@pytest.fixture(scope="session")
def migrated_sqlite(request):
    """Write a migrated SQLite database to a path; False where the caller must migrate.

    For tests that start a process on a file database: the migrated copy the test
    database starts from (tests/migrated_template.py) is made first if this run has not
    made it yet. Asked for by name only here, so such a test is still no database test
    (the PostgreSQL pass leaves it out); on PostgreSQL there is no copy and the caller
    migrates as before.
    """

    def write(path) -> bool:
        request.getfixturevalue("django_db_setup")
        return migrated_template.copy_to(path)

    return write


@pytest.fixture(scope="module")
def module_db(django_db_setup, django_db_blocker):
    """Database access for data a module builds once and its tests only read.

    A module-scoped fixture builds its data inside `with module_db():`; everything it
    writes lies in a transaction rolled back after the module's last test. The tests
    themselves still need the `db` fixture, which runs each in its own savepoint, so
    what one test writes is gone before the next (without `db` a test is refused the
    database, as usual). Not for modules with `transactional_db` tests, whose flush
    would empty the shared data. Python objects the fixture returns are shared too: a
    test that changes one in place must build its own.
    """
    with django_db_blocker.unblock():
        put_audit_triggers_back()  # before the outer transaction, which would undo it
        outer = transaction.atomic()
        outer.__enter__()
    try:
        yield django_db_blocker.unblock
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def frozen(request):
    """The clock stopped at the test module's NOW (course_fixtures.NOW where it has none).

    A module whose every test runs at that time says so once:
    `pytestmark = pytest.mark.usefixtures("frozen")`. The traveller it yields moves the
    clock on (`frozen.move_to(...)`, `frozen.shift(...)`).
    """
    from tests.course_fixtures import NOW  # a plugin module: imported once pytest has it

    now = getattr(request.module, "NOW", NOW)
    with time_machine.travel(now, tick=False) as traveller:
        yield traveller


def new_practice(slug="northgate"):
    return PracticeFactory(name="Northgate Therapies", slug=slug)


def new_therapist(practice):
    return _member(practice, Membership.Role.THERAPIST, "Dr Ada Therapist")


# Courses built once per module (course_fixtures): a test on one of them is in its
# practice, with its therapist.
BUILT_ONCE = (
    "ending_built_once",
    "attended_built_once",
    "flagged_built_once",
    "early_built_once",
    "finished_built_once",
)


def _built_once(request):
    return next((name for name in BUILT_ONCE if name in request.fixturenames), None)


@pytest.fixture
def practice(request, db):
    if built := _built_once(request):
        return request.getfixturevalue(built).practice()
    return new_practice()


@pytest.fixture
def default_categories(practice):
    """The default category set, which a practice gets when `create_practice` makes it.

    Factories make practices without it; tests that code episodes ask for it here.
    """
    practice_created(practice)
    return list(Category.objects.filter(practice=practice))


@pytest.fixture
def clinicians_triage(practice):
    """The practice lets its therapists and supervisors triage referrals (off by default)."""
    practice.clinicians_triage_referrals = True
    practice.save(update_fields=["clinicians_triage_referrals"])
    return practice


@pytest.fixture
def portal_login(therapist):
    """A client of the therapist with an active portal login (password TEST_PASSWORD)."""
    from tests.factories import PortalClientFactory

    return PortalClientFactory(practice=therapist.practice, therapist=therapist)


@pytest.fixture
def other_practice(db):
    return PracticeFactory(name="Southbank Counselling", slug="southbank")


def _member(practice, role, name):
    return MembershipFactory(practice=practice, role=role, user__full_name=name)


@pytest.fixture
def therapist(request, practice):
    if built := _built_once(request):
        return request.getfixturevalue(built).therapist()
    return new_therapist(practice)


@pytest.fixture
def other_therapist(practice):
    return _member(practice, Membership.Role.THERAPIST, "Dr Ben Colleague")


@pytest.fixture
def supervisor(practice, therapist):
    member = _member(practice, Membership.Role.SUPERVISOR, "Dr Cleo Supervisor")
    member.supervisees.add(therapist)
    return member


@pytest.fixture
def admin(practice):
    return _member(practice, Membership.Role.ADMIN, "Dee Admin")


@pytest.fixture
def foreign_admin(other_practice):
    return _member(other_practice, Membership.Role.ADMIN, "Eve Elsewhere")


@pytest.fixture
def foreign_therapist(other_practice):
    return _member(other_practice, Membership.Role.THERAPIST, "Dr Fay Elsewhere")


@pytest.fixture
def client():
    return KeptChainClient()


def written_tables(queries) -> set[str]:
    """The tables captured queries wrote to, leaving out the request's session."""
    found = {m.group(1) for q in queries.captured_queries if (m := WRITE.match(q["sql"]))}
    return found - {"django_session"}


# What a login writes besides its session, with SQL made once per run (core.prepared):
# the confirmed authenticator app the second factor names, and the user's last login
# (Django's `update_last_login`, which saves that one column).
_NEW_DEVICE = PreparedInsert(TOTPDevice)
_LAST_LOGIN = PreparedUpdate(User, ["last_login"], "id")
_device_keys = itertools.count(2**40)


def _confirmed_device(user) -> TOTPDevice:
    """A confirmed authenticator app of the user's, the row TOTPDeviceFactory makes."""
    device = TOTPDevice(
        user=user, name="Test authenticator", confirmed=True, key=f"{next(_device_keys):040x}"
    )
    _NEW_DEVICE([device])
    return device


def verified_login(client, user):
    """Log a user in with both factors, as the real two-step login leaves the session.

    A client without a session gets the same session `force_login` and the second
    factor would leave (user, backend, hash, device; last login noted), written once
    through the session engine: `force_login` saves an empty session first, cycles its
    key and saves it twice more. A client already holding a session (a second login in
    one test) goes through `force_login`, which flushes or keeps it as a real login does.
    """
    device = _confirmed_device(user)
    if settings.SESSION_COOKIE_NAME in client.cookies:
        client.force_login(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        return client
    user.last_login = timezone.now()
    _LAST_LOGIN(user.pk, {"last_login": user.last_login})
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.create()
    request = HttpRequest()
    request.session = session
    client._set_login_cookies(request)
    return client


@pytest.fixture
def login(client):
    def _login(membership_or_user):
        user = getattr(membership_or_user, "user", membership_or_user)
        return verified_login(client, user)

    return _login


_triggers_dropped = False


def put_audit_triggers_back() -> None:
    """Create the append-only triggers again if a transactional test dropped them.

    Called with the database unblocked and outside any transaction that is rolled back
    (data shared by a module or package is built inside one).
    """
    global _triggers_dropped
    if _triggers_dropped:
        triggers.create(connection)
        _triggers_dropped = False


@pytest.fixture(autouse=True)
def _audit_triggers_in_place(request, django_db_blocker):
    """Put the append-only triggers back after a test that needed them gone for its flush."""
    if _triggers_dropped and DB_FIXTURES & set(request.fixturenames):
        with django_db_blocker.unblock():
            put_audit_triggers_back()


@pytest.fixture
def audited_transactional_db(transactional_db):
    """A transactional database whose audit rows can be flushed after the test.

    The append-only triggers refuse the flush that ends a transactional test, so they
    are dropped when the test ends and created again before the next database test.
    """
    global _triggers_dropped
    yield
    triggers.drop(connection)
    _triggers_dropped = True


CHROMIUM = os.environ.get("PATTERNWORK_CHROMIUM", "/usr/bin/chromium")


def pytest_runtest_setup(item):
    """Browser tests need Debian's Chromium: skipped loudly without it, failed under CI."""
    if item.get_closest_marker("e2e") is None or os.path.exists(CHROMIUM):
        return
    message = f"Chromium not found at {CHROMIUM} (install Debian's chromium package)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message}; under CI the browser tests must run.", pytrace=False)
    pytest.skip(f"BROWSER TESTS SKIPPED: {message}")


@pytest.fixture
def recordings_dir(settings, tmp_path):
    """Recordings stored in a folder of the test's own, to look at the bytes on disk."""
    folder = tmp_path / "recordings"
    settings.STORAGES = {
        **settings.STORAGES,
        "recordings": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {
                "location": str(folder),
                "file_permissions_mode": 0o600,
                "directory_permissions_mode": 0o700,
            },
        },
    }
    return folder


@pytest.fixture
def authenticator():
    """A software passkey authenticator (an EC P-256 key) for the default address."""
    from tests.soft_authenticator import SoftAuthenticator

    return SoftAuthenticator()


@pytest.fixture(scope="session")
def pattern_figures():
    """What the pattern page reads of a pattern report, as plain values, the same for a
    report with the episodes behind each figure (`compute_patterns`) and one of counts
    alone (`count_patterns`): counts, totals, changes, ranks, ties and sequences."""
    from patternwork.formulation.patterns import Phase

    def share(found):
        return None if found is None else (found.count, found.total)

    def by_phase(found):
        return [share(found[phase]) for phase in Phase]

    def figures(report):
        theme = report.core_theme
        return {
            "total": (report.total, report.phase_totals, report.min_episodes),
            "too few": (report.too_few_episodes, report.message),
            "categories": [
                (
                    p.part,
                    p.category,
                    share(p.overall),
                    by_phase(p.by_phase),
                    p.change,
                    [(t.person_key, t.person_label, t.count) for t in p.people],
                    (p.recurrence.earlier_count, p.recurrence.later_count, p.recurrence.recurs),
                )
                for p in report.categories
            ],
            "valences": [
                (v.part, v.valence, share(v.overall), by_phase(v.by_phase), v.change)
                for v in report.valences
            ],
            "theme": None
            if theme is None
            else [
                None
                if c is None
                else (c.part, c.categories, c.count, c.total, c.value, c.episode_count, c.is_tie)
                for c in (theme.wish, theme.ro, theme.rs)
            ],
            "sequences": None
            if report.sequences is None
            else [(t.rank, t.wish, t.ro, t.rs, share(t.share)) for t in report.sequences],
        }

    return figures
