from django.urls import path

from patternwork.clinic.views import reports

urlpatterns = [
    path("reports/outcomes/", reports.service_report, name="service-report"),
    path("reports/funnel/", reports.outcome_funnel, name="outcome-funnel"),
    path("reports/outcomes.csv", reports.service_report_csv, name="service-report-csv"),
    path("reports/course-outcomes.csv", reports.course_outcomes_csv, name="course-outcomes-csv"),
]
