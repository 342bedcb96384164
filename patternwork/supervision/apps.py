from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "patternwork.supervision"
    label = "supervision"
    verbose_name = "Supervision: sessions, actions, co-signing and DIT ratings"

    def ready(self) -> None:
        from patternwork.accounts.practice_setup import on_practice_created
        from patternwork.core import nightly
        from patternwork.supervision.recordings import purge_expired
        from patternwork.supervision.services import ensure_default_rubric

        # A new practice starts with the default rubric, so that opening the rating form
        # never has to write it.
        on_practice_created(ensure_default_rubric)
        # Recordings are deleted when the practice's retention for them has passed.
        nightly.register("recordings.retention", purge_expired)
