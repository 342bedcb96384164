"""The bundled embedding model itself: loads ONNX, so marked slow."""

import numpy as np
import pytest

from patternwork.formulation import suggestions
from patternwork.formulation.ranking import CategoryText, onnx_model, rank

pytestmark = pytest.mark.slow


def test_the_model_loads_once_and_embeds_offline_into_unit_vectors():
    model = onnx_model.load()

    first, again, other = model.embed(
        ["She walked out without a word.", "She walked out without a word.", "Lovely weather."]
    )

    assert onnx_model.load() is model
    assert model.version == "minilm-l6-v2-int8@1.0.0"
    assert first.shape == (384,)
    assert float(np.linalg.norm(first)) == pytest.approx(1.0, abs=1e-5)
    assert np.array_equal(first, again)
    near = float(first @ model.embed(["He left the room and ignored me."])[0])
    assert near > float(first @ other)


def test_the_default_setting_uses_the_model(settings):
    settings.PATTERNWORK_SUGGESTION_MODEL = "minilm"

    model, notice = suggestions.embedder()

    assert (model, notice) == (onnx_model.load(), "")
    ranking = rank(
        "He never turned up when he promised",
        [
            CategoryText("warm", "Warm, likes me", "Affectionate and glad to see me"),
            CategoryText("bad", "Unreliable", "Lets me down, breaks promises, cannot be trusted"),
        ],
        embedder=model,
    )
    assert ranking.items[0].category.id == "bad"
