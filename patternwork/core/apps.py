from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "patternwork.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.conf import settings
        from django.db.backends.signals import connection_created

        from patternwork.core import checks, crypto, files

        checks.register()
        for database in settings.DATABASES.values():
            if database["ENGINE"] == "django.db.backends.sqlite3":
                files.prepare_sqlite(database)
        connection_created.connect(files.on_connection_created)
        # Fail closed: without a usable encryption key the app must not start, rather
        # than later serve blanks or ciphertext.
        crypto.configured_keyring()
