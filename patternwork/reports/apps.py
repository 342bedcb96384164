from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "patternwork.reports"
    label = "reports"
    verbose_name = "Service reports"
