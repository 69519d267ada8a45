"""The store a configuration asks for (``GEOQA_STORE``): the local folder (FAISS + SQLite + BM25
in the index folder) or Qdrant (``GEOQA_QDRANT_URL``, alias ``GEOQA_QDRANT_COLLECTION``), for
reading the live build and for writing new ones. One :class:`StoreAccess` per process shares one
Qdrant client between both (the embedded local mode allows one client per folder)."""

from __future__ import annotations

import threading
from pathlib import Path

from index.build.manifest import Manifest
from index.settings import STORE_QDRANT, IndexConfig
from index.store.protocol import BuildTarget, Store


class StoreAccess:
    """Opens the live build and makes build targets in the configured store; ``index_dir`` is
    the local index folder (for Qdrant it still holds the embedding cache and build lock)."""

    def __init__(self, config: IndexConfig, index_dir: Path | None = None) -> None:
        self.config = config
        self.index_dir = index_dir or config.index_dir
        self.qdrant = config.store == STORE_QDRANT
        self._client = None
        self._lock = threading.Lock()

    def client(self):
        """The Qdrant client (connected on first use)."""
        from index.store.qdrant_common import connect

        with self._lock:
            if self._client is None:
                self._client = connect(self.config.qdrant_url)
            return self._client

    def open(self, model_id: str | None = None, chunking: dict | None = None) -> Store:
        """The live build, refusing one made with another model or chunking, or a damaged
        one."""
        if self.qdrant:
            from index.store.qdrant_store import QdrantStore

            return QdrantStore.open(
                self.client(),
                self.config.qdrant_collection,
                model_id,
                chunking,
                where=self.config.qdrant_url,
            )
        from index.store.index_store import IndexStore

        return IndexStore.open(self.index_dir, model_id, chunking)

    def target(self, faiss_kind: str = "auto") -> BuildTarget:
        """Where a build goes: the index folder (FAISS of ``faiss_kind``) or the Qdrant alias."""
        if self.qdrant:
            from index.store.qdrant_target import QdrantTarget

            return QdrantTarget(
                self.client(), self.config.qdrant_collection, where=self.config.qdrant_url
            )
        from index.store.local_target import LocalTarget

        return LocalTarget(self.index_dir, faiss_kind)

    def live_manifest(self) -> Manifest | None:
        """The live build's manifest, or None when nothing was built;
        :class:`~index.errors.IndexDamaged` when the local one cannot be read."""
        if self.qdrant:
            return self.target().live_manifest()
        from index.store.layout import read_manifest

        return read_manifest(self.index_dir)

    def close(self) -> None:
        """Close the Qdrant client, if one was opened."""
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None
