from tests.routes import CASELOAD, CLIENT

ROUTES = {
    "portal:journal": CLIENT,
    "portal:journal-new": CLIENT,
    "portal:journal-entry": CLIENT,
    "portal:journal-share": CLIENT,
    "portal:journal-unshare": CLIENT,
    "clinic:journal-list": CASELOAD,
    "clinic:journal-entry": CASELOAD,
    "clinic:journal-to-episode": CASELOAD,
}
# Staff object routes only: the generic staff access tests run these. The portal's
# own-entry rule (another client's entry is a 404) is tested in
# tests/portal/test_journal_views.py.
OBJECT_ROUTES = {
    "clinic:journal-list": "course",
    "clinic:journal-entry": "journal_entry",
    "clinic:journal-to-episode": "journal_entry",
}
POST_ONLY = {"clinic:journal-to-episode", "portal:journal-share", "portal:journal-unshare"}
