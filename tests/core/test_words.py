from django.utils import translation

from patternwork.core.words import translator


def test_translator_gives_gettext_in_the_active_language():
    with translation.override("de"):
        german = translator()
        assert german("Monday") == translation.gettext("Monday") == "Montag"
        assert german("Monday") == "Montag"
    with translation.override("en"):
        assert translator()("Monday") == "Monday"
