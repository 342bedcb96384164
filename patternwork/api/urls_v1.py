"""The REST API, version 1: everything under /api/v1/."""

from django.urls import path

from patternwork.api.views import clients, courses, formulation, me, measures, reports, supervision

ID = "<uuid:public_id>"

urlpatterns = [
    path("me/", me.MeView.as_view(), name="me"),
    path("clients/", clients.ClientList.as_view(), name="client-list"),
    path(f"clients/{ID}/", clients.ClientDetail.as_view(), name="client-detail"),
    path("referrals/", clients.ReferralList.as_view(), name="referral-list"),
    path("referrals/self/", clients.SelfReferral.as_view(), name="self-referral"),
    path(f"referrals/{ID}/", clients.ReferralDetail.as_view(), name="referral-detail"),
    path("courses/", courses.CourseList.as_view(), name="course-list"),
    path(f"courses/{ID}/", courses.CourseDetail.as_view(), name="course-detail"),
    path(f"courses/{ID}/outcome/", courses.CourseOutcome.as_view(), name="course-outcome"),
    path("appointments/", courses.AppointmentList.as_view(), name="appointment-list"),
    path(f"appointments/{ID}/", courses.AppointmentDetail.as_view(), name="appointment-detail"),
    path(f"appointments/{ID}/move/", courses.AppointmentMove.as_view(), name="appointment-move"),
    path(
        f"appointments/{ID}/cancel/",
        courses.AppointmentCancel.as_view(),
        name="appointment-cancel",
    ),
    path(
        f"appointments/{ID}/attended/",
        courses.AppointmentAttended.as_view(),
        name="appointment-attended",
    ),
    path(
        f"appointments/{ID}/did-not-attend/",
        courses.AppointmentDidNotAttend.as_view(),
        name="appointment-did-not-attend",
    ),
    path("questionnaire-responses/", measures.ResponseList.as_view(), name="response-list"),
    path(
        f"questionnaire-responses/{ID}/",
        measures.ResponseDetail.as_view(),
        name="response-detail",
    ),
    path("risk-flags/", measures.RiskFlagList.as_view(), name="risk-flag-list"),
    path(f"risk-flags/{ID}/", measures.RiskFlagDetail.as_view(), name="risk-flag-detail"),
    path(
        f"risk-flags/{ID}/acknowledge/",
        measures.RiskFlagAcknowledge.as_view(),
        name="risk-flag-acknowledge",
    ),
    path("people/", formulation.PersonList.as_view(), name="person-list"),
    path(f"people/{ID}/", formulation.PersonDetail.as_view(), name="person-detail"),
    path("episodes/", formulation.EpisodeList.as_view(), name="episode-list"),
    path(f"episodes/{ID}/", formulation.EpisodeDetail.as_view(), name="episode-detail"),
    path("ipaf-versions/", formulation.IpafList.as_view(), name="ipaf-list"),
    path(f"ipaf-versions/{ID}/", formulation.IpafDetail.as_view(), name="ipaf-detail"),
    path("session-notes/", reports.NoteList.as_view(), name="note-list"),
    path(f"session-notes/{ID}/", reports.NoteDetail.as_view(), name="note-detail"),
    path("reports/service/", reports.ServiceReport.as_view(), name="service-report"),
    path(
        "supervision-sessions/",
        supervision.SupervisionSessionList.as_view(),
        name="supervision-session-list",
    ),
    path(
        f"supervision-sessions/{ID}/",
        supervision.SupervisionSessionDetail.as_view(),
        name="supervision-session-detail",
    ),
    path("session-ratings/", supervision.SessionRatingList.as_view(), name="session-rating-list"),
    path(
        f"session-ratings/{ID}/",
        supervision.SessionRatingDetail.as_view(),
        name="session-rating-detail",
    ),
    path("not-on-track-flags/", supervision.TrackFlagList.as_view(), name="track-flag-list"),
    path(
        f"not-on-track-flags/{ID}/",
        supervision.TrackFlagDetail.as_view(),
        name="track-flag-detail",
    ),
]
