"""A tiny stand-in sentence embedding for the suite: no model, no file, same answers always.

Each word counts towards one "meaning" axis from a small fixed table (words of the same
meaning share an axis, so "ignored" and "walked off" meet); other words are hashed onto
spare axes. Enough to test the ranker's contract, nothing about its quality.
"""

import hashlib

MEANINGS = {
    "close": ("close", "together", "near", "hug", "hugged", "belong", "included", "invite"),
    "reject": ("rejecting", "ignored", "ignore", "walked", "dismissed", "left", "cold", "snubbed"),
    "help": ("helpful", "helped", "help", "carried", "lent", "sorted", "fixed"),
    "control": ("controlling", "ordered", "insisted", "checked", "rules", "decided"),
}
AXES = len(MEANINGS) + 8


class TinyEmbedder:
    version = "tiny-1"

    def __init__(self):
        self.index = {word: i for i, words in enumerate(MEANINGS.values()) for word in words}
        self.calls = 0

    def embed(self, texts):
        self.calls += 1
        return [self._one(text) for text in texts]

    def _one(self, text):
        vector = [0.0] * AXES
        for word in text.lower().replace(".", " ").replace(",", " ").split():
            if word in self.index:
                vector[self.index[word]] += 1.0
            else:
                spare = int(hashlib.sha256(word.encode()).hexdigest(), 16) % 8
                vector[len(MEANINGS) + spare] += 0.1
        return vector
