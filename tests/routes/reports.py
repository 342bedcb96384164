from tests.routes import STAFF

# Admins and supervisors; a therapist's 403 is tested in tests/clinic/test_report_views.py.
ROUTES = {
    "clinic:service-report": STAFF,
    "clinic:service-report-csv": STAFF,
    "clinic:course-outcomes-csv": STAFF,
    # Every clinician; a therapist sees only their own point (tests/clinic/test_funnel_views.py).
    "clinic:outcome-funnel": STAFF,
}
