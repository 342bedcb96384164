from django.apps import AppConfig


class TreatmentConfig(AppConfig):
    name = "patternwork.treatment"
    label = "treatment"
    verbose_name = "DIT course"
