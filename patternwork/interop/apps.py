from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "patternwork.interop"
    label = "interop"
    verbose_name = "Data in and out"

    def ready(self):
        from patternwork.core import nightly
        from patternwork.interop.retention import purge_expired

        nightly.register("retention.purge", purge_expired)
