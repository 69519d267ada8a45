"""The persistent embedding cache: (model id, text hash) → vector, kept across rebuilds, and
:func:`embed_cached`, which embeds only what the cache lacks."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.embedders.protocol import Embedder

BATCH = 500  # keys per SQL query
PROGRESS_STEP = 256  # texts per cache commit and progress update

Progress = Callable[[int, int], None]


def text_key(text: str) -> str:
    """The cache key of a text: its sha256."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """SQLite-backed vectors; safe to share between threads."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS vectors ("
            " model TEXT NOT NULL, key TEXT NOT NULL, vector BLOB NOT NULL,"
            " PRIMARY KEY (model, key))"
        )
        self._db.commit()

    def get_many(self, model_id: str, keys: Iterable[str]) -> dict[str, np.ndarray]:
        """The cached vectors among ``keys``."""
        keys = list(dict.fromkeys(keys))
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for i in range(0, len(keys), BATCH):
                part = keys[i : i + BATCH]
                marks = ",".join("?" * len(part))
                rows = self._db.execute(
                    f"SELECT key, vector FROM vectors WHERE model = ? AND key IN ({marks})",
                    [model_id, *part],
                )
                for key, blob in rows:
                    found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, model_id: str, vectors: Mapping[str, np.ndarray]) -> None:
        """Store vectors (float32) under their keys, committed at once."""
        rows = [
            (model_id, key, np.asarray(vec, dtype=np.float32).tobytes())
            for key, vec in vectors.items()
        ]
        with self._lock:
            self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)", rows)
            self._db.commit()

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()


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
