from tests.routes import REFERRALS

ROUTES = {
    "clinic:referral-list": REFERRALS,
    "clinic:referral-create": REFERRALS,
    "clinic:referral-detail": REFERRALS,
    "clinic:referral-contacted": REFERRALS,
    "clinic:referral-decline": REFERRALS,
    "clinic:referral-accept": REFERRALS,
}
OBJECT_ROUTES = {
    "clinic:referral-detail": "referral",
    "clinic:referral-contacted": "referral",
    "clinic:referral-decline": "referral",
    "clinic:referral-accept": "referral",
}
POST_ONLY = {
    "clinic:referral-contacted",
    "clinic:referral-decline",
    "clinic:referral-accept",
}
LIST_CONTENTS = {
    "clinic:referral-list": [
        ("", "open_referral"),
        ("status=contacted", "open_referral"),
        ("status=accepted", "accepted_referral"),
        ("status=declined", "declined_referral"),
    ],
}
