"""Questionnaire answers with a chosen total, for tests that record responses."""

from patternwork.measures.services import Answers


def _spread(total: int, items: int) -> list[int]:
    values = []
    for _ in range(items):
        values.append(min(3, total))
        total -= values[-1]
    assert total == 0
    return values


def phq(total: int, item9: int = 0) -> Answers:
    values = [*_spread(total - item9, 8), item9]
    return Answers("PHQ-9", {f"q{n}": v for n, v in enumerate(values, start=1)})


def gad(total: int) -> Answers:
    return Answers("GAD-7", {f"q{n}": v for n, v in enumerate(_spread(total, 7), start=1)})


WSAS_ITEMS = ("work", "home_management", "social_leisure", "private_leisure", "close_relationships")


def wsas(per_item: int) -> Answers:
    return Answers("WSAS", dict.fromkeys(WSAS_ITEMS, per_item))
