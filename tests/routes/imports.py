from tests.routes import ADMIN

ROUTES = {
    "clinic:caseload-import": ADMIN,
    "clinic:caseload-upload": ADMIN,
    "clinic:caseload-upload-import": ADMIN,
}
OBJECT_ROUTES = {
    "clinic:caseload-upload": "caseload_upload",
    "clinic:caseload-upload-import": "caseload_upload",
}
POST_ONLY = {"clinic:caseload-upload-import"}
