"""The default category set: eight clusters for each part of an episode.

Pure data (no Django). Modelled on the eight clusters per component of the CCRT's third
edition of standard categories (Barber, Crits-Christoph & Luborsky), in Patternwork's own
wording: the published category definitions are under copyright and are not reproduced.
Keywords drive the optional suggestions; a suggestion is never applied without the
therapist's click.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DefaultCategory:
    key: str
    part: str
    label: str
    keywords: tuple[str, ...]


DEFAULT_CATEGORIES = (
    DefaultCategory(
        "w_independent",
        "wish",
        "To stand up for myself and be independent",
        ("myself", "independent", "my own", "decide", "free", "stand up"),
    ),
    DefaultCategory(
        "w_control",
        "wish",
        "To oppose, get back at or control them",
        ("get back", "control", "make them", "revenge", "win"),
    ),
    DefaultCategory(
        "w_looked_after",
        "wish",
        "To be looked after and not have to decide",
        ("look after", "taken care", "tell me what", "rescue", "decide for me"),
    ),
    DefaultCategory(
        "w_distance",
        "wish",
        "To keep my distance and avoid a row",
        ("avoid", "keep out", "stay away", "distance", "no row", "keep the peace"),
    ),
    DefaultCategory(
        "w_close",
        "wish",
        "To be close and to belong",
        ("close", "together", "include", "belong", "connect", "part of"),
    ),
    DefaultCategory(
        "w_understood",
        "wish",
        "To be loved and understood",
        ("understand", "listen", "heard", "care", "love", "notice me", "see me"),
    ),
    DefaultCategory(
        "w_at_ease",
        "wish",
        "To feel good and at ease",
        ("relax", "enjoy", "comfortable", "at ease", "fun"),
    ),
    DefaultCategory(
        "w_achieve",
        "wish",
        "To do well and to help others",
        ("do well", "achieve", "succeed", "help", "proud", "good enough"),
    ),
    DefaultCategory(
        "ro_strong",
        "ro",
        "Strong, in charge",
        ("in charge", "took over", "strong", "decided", "boss"),
    ),
    DefaultCategory(
        "ro_controlling",
        "ro",
        "Controlling",
        ("controlling", "told me to", "made me", "ordered", "wouldn't let"),
    ),
    DefaultCategory(
        "ro_upset", "ro", "Upset, hurt", ("upset", "hurt", "cried", "offended", "angry with")
    ),
    DefaultCategory(
        "ro_critical",
        "ro",
        "Critical, unkind",
        ("criticised", "criticized", "blamed", "told me off", "shouted", "mocked", "unkind"),
    ),
    DefaultCategory(
        "ro_rejecting",
        "ro",
        "Rejecting, dismissive",
        (
            "ignored",
            "dismissed",
            "rejected",
            "left",
            "walked away",
            "didn't reply",
            "did not reply",
            "forgot",
            "cancelled",
        ),
    ),
    DefaultCategory("ro_helpful", "ro", "Helpful", ("helped", "helpful", "supported", "offered")),
    DefaultCategory(
        "ro_warm", "ro", "Warm, likes me", ("warm", "kind", "hugged", "pleased to see", "likes me")
    ),
    DefaultCategory(
        "ro_understanding",
        "ro",
        "Understanding",
        ("understood", "listened", "got it", "accepted", "respected"),
    ),
    DefaultCategory(
        "rs_helpful",
        "rs",
        "Went along, helped them",
        ("went along", "helped them", "agreed", "gave in", "did what"),
    ),
    DefaultCategory(
        "rs_shut_off",
        "rs",
        "Shut off, withdrew",
        ("withdrew", "shut down", "went quiet", "switched off", "left the room", "closed off"),
    ),
    DefaultCategory(
        "rs_accepted",
        "rs",
        "Felt respected and accepted",
        ("respected", "accepted", "valued", "relieved"),
    ),
    DefaultCategory(
        "rs_oppose",
        "rs",
        "Fought back, hurt them",
        ("snapped", "fought", "shouted back", "argued", "hit back"),
    ),
    DefaultCategory(
        "rs_confident", "rs", "Calm and confident", ("calm", "confident", "in control", "steady")
    ),
    DefaultCategory(
        "rs_helpless",
        "rs",
        "Helpless, stuck",
        ("helpless", "stuck", "couldn't", "could not", "gave up", "powerless"),
    ),
    DefaultCategory(
        "rs_low",
        "rs",
        "Disappointed, low",
        ("sad", "low", "disappointed", "hopeless", "down", "empty", "worthless"),
    ),
    DefaultCategory(
        "rs_anxious",
        "rs",
        "Anxious, ashamed",
        ("anxious", "ashamed", "embarrassed", "worried", "panic", "scared", "guilty"),
    ),
)
