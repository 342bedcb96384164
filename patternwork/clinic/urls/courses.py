from django.urls import path

from patternwork.clinic.views import appointments, closures, courses

urlpatterns = [
    path("courses/<uuid:public_id>/", courses.course_detail, name="course-detail"),
    path("courses/<uuid:public_id>/start/", courses.course_start, name="course-start"),
    path("courses/<uuid:public_id>/plan/", courses.course_plan, name="course-plan"),
    path("courses/<uuid:public_id>/end/", courses.course_end, name="course-end"),
    path(
        "courses/<uuid:public_id>/replacement/",
        courses.course_replacement,
        name="course-replacement",
    ),
    path(
        "courses/<uuid:public_id>/assessment/", courses.course_assessment, name="course-assessment"
    ),
    path(
        "courses/<uuid:public_id>/past-session/",
        courses.course_record_past,
        name="course-record-past",
    ),
    path(
        "appointments/<uuid:public_id>/", appointments.appointment_detail, name="appointment-detail"
    ),
    path(
        "appointments/<uuid:public_id>/attended/",
        appointments.appointment_attended,
        name="appointment-attended",
    ),
    path(
        "appointments/<uuid:public_id>/did-not-attend/",
        appointments.appointment_dna,
        name="appointment-dna",
    ),
    path(
        "appointments/<uuid:public_id>/cancel/",
        appointments.appointment_cancel,
        name="appointment-cancel",
    ),
    path(
        "appointments/<uuid:public_id>/move/",
        appointments.appointment_move,
        name="appointment-move",
    ),
    path("appointments/<uuid:public_id>/note/", appointments.note_save, name="note-save"),
    path("appointments/<uuid:public_id>/note/sign/", appointments.note_sign, name="note-sign"),
    path("appointments/<uuid:public_id>/note/amend/", appointments.note_amend, name="note-amend"),
    path("practice/closures/", closures.closure_days, name="closure-days"),
    path("practice/closures/remove/", closures.closure_day_remove, name="closure-day-remove"),
]
