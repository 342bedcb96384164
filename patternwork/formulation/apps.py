from django.apps import AppConfig


class FormulationConfig(AppConfig):
    name = "patternwork.formulation"
    label = "formulation"
    verbose_name = "Relationship patterns and the IPAF"
