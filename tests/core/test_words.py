from django.utils import translation

from patternwork.core.words import kept, translator


def test_translator_gives_gettext_in_the_active_language():
    with translation.override("de"):
        german = translator()
        assert german("Monday") == translation.gettext("Monday") == "Montag"
        assert german("Monday") == "Montag"
    with translation.override("en"):
        assert translator()("Monday") == "Monday"


def test_kept_makes_each_thing_once_per_language_and_key():
    made = []

    def build():
        made.append(translation.get_language())
        return translation.gettext("Monday")

    key = ("test", object())
    with translation.override("de"):
        assert kept(key, build) == kept(key, build) == "Montag"
        assert kept(key, build, translation.get_language()) == "Montag"
    with translation.override("en"):
        assert kept(key, build) == "Monday"
        assert kept(("test", "another"), build) == "Monday"
    assert made == ["de", "en", "en"]
