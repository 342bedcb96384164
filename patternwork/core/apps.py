from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "patternwork.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from patternwork.core import checks, crypto

        checks.register()
        # Fail closed: without a usable encryption key the app must not start, rather
        # than later serve blanks or ciphertext.
        crypto.configured_keyring()
