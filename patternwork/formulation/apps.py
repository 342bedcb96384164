from django.apps import AppConfig


class FormulationConfig(AppConfig):
    name = "patternwork.formulation"
    label = "formulation"
    verbose_name = "Relationship patterns and the IPAF"

    def ready(self) -> None:
        from patternwork.accounts.practice_setup import on_practice_created
        from patternwork.formulation.services import ensure_default_categories

        # A new practice starts with the default category set, so that reading the
        # episode form or the category page never has to write it.
        on_practice_created(ensure_default_categories)
