from django.apps import AppConfig
from django.db.models.signals import post_save


def _start_practice_chain(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        from patternwork.audit.services import start_chain

        start_chain(instance.pk)


class AuditConfig(AppConfig):
    name = "patternwork.audit"
    label = "audit"
    verbose_name = "Audit"

    def ready(self):
        from patternwork.audit.integrity import write_anchors
        from patternwork.core import nightly

        # A copy of every chain head goes to the anchor table and the log each night.
        nightly.register("audit.anchor", write_anchors)
        # Each practice's chain starts with the practice (a lazy reference: the audit app
        # sits below accounts and imports nothing from it).
        post_save.connect(
            _start_practice_chain, sender="accounts.Practice", dispatch_uid="audit_chain_start"
        )
