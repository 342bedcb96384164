from tests.routes import ADMIN, CASELOAD, STAFF

# Everyone in the practice may read the category set and ask for suggestions (the episode
# form needs them); only admins change the set (a POST there by anyone else is a 403).
ROUTES = {
    "clinic:pattern": CASELOAD,
    "clinic:pattern-evidence": CASELOAD,
    "clinic:category-set": STAFF,
    "clinic:category-suggestions": STAFF,
    "clinic:category-edit": ADMIN,
    "clinic:category-retire": ADMIN,
    "clinic:category-restore": ADMIN,
}
OBJECT_ROUTES = {
    "clinic:pattern": "client",
    "clinic:pattern-evidence": "client",
    "clinic:category-edit": "category",
    "clinic:category-retire": "category",
    "clinic:category-restore": "category",
}
POST_ONLY = {"clinic:category-retire", "clinic:category-restore"}
