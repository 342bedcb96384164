from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "patternwork.audit"
    label = "audit"
    verbose_name = "Audit"
