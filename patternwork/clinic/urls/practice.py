from django.urls import path

from patternwork.clinic.views import practice

urlpatterns = [
    path("practice/settings/", practice.practice_settings, name="practice-settings"),
    path("settings/profile/", practice.profile, name="profile"),
    path("staff/", practice.staff_list, name="staff-list"),
    path("staff/invite/", practice.staff_invite, name="staff-invite"),
    path("staff/<uuid:public_id>/", practice.staff_detail, name="staff-detail"),
    path("staff/<uuid:public_id>/role/", practice.staff_role, name="staff-role"),
    path(
        "staff/<uuid:public_id>/supervisees/",
        practice.staff_supervisees,
        name="staff-supervisees",
    ),
    path("staff/<uuid:public_id>/deactivate/", practice.staff_deactivate, name="staff-deactivate"),
    path("staff/<uuid:public_id>/reactivate/", practice.staff_reactivate, name="staff-reactivate"),
    path("audit/", practice.audit_log, name="audit-log"),
    path("operator/audit/", practice.instance_audit, name="instance-audit"),
    path("messages/", practice.message_log, name="message-log"),
]
