from django.urls import path

from patternwork.clinic.views import recordings, supervision

urlpatterns = [
    path("supervision/", supervision.supervisor_home, name="supervision"),
    path(
        "supervision/sessions/new/",
        supervision.supervision_session_new,
        name="supervision-session-new",
    ),
    path(
        "supervision/sessions/<uuid:public_id>/",
        supervision.supervision_session,
        name="supervision-session",
    ),
    path(
        "supervision/sessions/<uuid:public_id>/actions/",
        supervision.supervision_action_add,
        name="supervision-action-add",
    ),
    path(
        "supervision/actions/<uuid:public_id>/done/",
        supervision.supervision_action_done,
        name="supervision-action-done",
    ),
    path(
        "supervision/therapists/<uuid:public_id>/",
        supervision.therapist_supervision,
        name="therapist-supervision",
    ),
    path(
        "supervision/therapists/<uuid:public_id>/cosigning/",
        supervision.cosign_setting,
        name="cosign-setting",
    ),
    path("supervision/rating-form/", supervision.rubric_edit, name="rubric"),
    path(
        "appointments/<uuid:public_id>/note/cosign/",
        supervision.note_cosign,
        name="note-cosign",
    ),
    path(
        "appointments/<uuid:public_id>/rating/",
        supervision.session_rating,
        name="session-rating",
    ),
    path(
        "courses/<uuid:public_id>/recording-consent/",
        recordings.consent_give,
        name="recording-consent",
    ),
    path(
        "courses/<uuid:public_id>/recording-consent/withdraw/",
        recordings.consent_revoke,
        name="recording-consent-withdraw",
    ),
    path(
        "appointments/<uuid:public_id>/recordings/",
        recordings.recording_upload,
        name="recording-upload",
    ),
    path("recordings/<uuid:public_id>/audio/", recordings.recording_audio, name="recording-audio"),
    path(
        "recordings/<uuid:public_id>/delete/",
        recordings.recording_delete,
        name="recording-delete",
    ),
]
