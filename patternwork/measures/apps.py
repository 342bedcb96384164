from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "patternwork.measures"
    label = "measures"
    verbose_name = "Measures, outcomes and risk"
