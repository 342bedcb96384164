from django.apps import AppConfig


class ClinicConfig(AppConfig):
    name = "patternwork.clinic"
    label = "clinic"
    verbose_name = "Clinic (staff web UI)"
