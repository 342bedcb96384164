from django.apps import AppConfig


class LettersConfig(AppConfig):
    name = "patternwork.letters"
    label = "letters"
    verbose_name = "Goodbye letters and course documents"
