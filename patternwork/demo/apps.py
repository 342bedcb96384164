from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "patternwork.demo"
    label = "demo"
    verbose_name = "Fictional demo practice"
