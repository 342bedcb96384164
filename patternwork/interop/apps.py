from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "patternwork.interop"
    label = "interop"
    verbose_name = "Data in and out"

    def ready(self):
        from patternwork.core import nightly
        from patternwork.interop import retention

        # One job: the record purge, then the backups that may still hold purged records.
        nightly.register("retention.purge", retention.nightly)
