from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "patternwork.api"
    label = "api"
    verbose_name = "API, FHIR and calendar feeds"
