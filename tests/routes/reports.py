from tests.routes import STAFF

# Admins and supervisors; a therapist's 403 is tested in tests/clinic/test_report_views.py.
ROUTES = {
    "clinic:service-report": STAFF,
    "clinic:service-report-csv": STAFF,
    "clinic:course-outcomes-csv": STAFF,
}
