from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "patternwork.portal"
    label = "portal"
    verbose_name = "Portal (client web UI)"
