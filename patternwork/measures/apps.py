from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "patternwork.measures"
    label = "measures"
    verbose_name = "Measures, outcomes and risk"

    def ready(self) -> None:
        from patternwork.measures.summary import update_outcome_summary
        from patternwork.treatment.course_changes import on_course_changed

        # The outcome summary follows every attendance, move, start, end and
        # reassignment in the same transaction as the treatment write.
        on_course_changed(update_outcome_summary)
