"""geoqa's index: articles → chunks → embeddings → FAISS + SQLite + BM25, built atomically.

This package knows nothing of ``bot``; the bot uses it through the names exported here. They
are loaded lazily (PEP 562), so ``import index`` stays cheap: faiss, torch and bm25s are only
imported when a name that needs them is first used.

Layers, each a sub-package: ``articles`` (records, readers), ``embedders`` (the protocol and
its implementations), ``build`` (chunking, manifest, builder), ``store`` (the index on disk
and hybrid search), ``ingest`` (adding articles from the web) and ``eval`` (retrieval
evaluation); ``errors``, ``settings`` and ``util`` serve them all.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# name → module that defines it
_EXPORTS = {
    "GeoqaError": "index.errors",
    "ConfigError": "index.errors",
    "CorpusError": "index.errors",
    "IndexMissing": "index.errors",
    "IndexMismatch": "index.errors",
    "IndexDamaged": "index.errors",
    "InvalidFilter": "index.errors",
    "IndexConfig": "index.settings",
    "Setting": "index.settings",
    "read_environment": "index.settings",
    "LRU": "index.util",
    "Article": "index.articles.model",
    "load_corpus": "index.articles.readers",
    "Embedder": "index.embedders.protocol",
    "Progress": "index.embedders.cache",
    "make_embedder": "index.embedders.factory",
    "export_onnx": "index.embedders.onnx_export",
    "ChunkSettings": "index.build.chunking",
    "DEFAULT_CHUNKING": "index.build.chunking",
    "Manifest": "index.build.manifest",
    "BuildReport": "index.build.builder",
    "build_index": "index.build.builder",
    "read_manifest": "index.store.layout",
    "IndexStore": "index.store.index_store",
    "Filters": "index.store.filters",
    "Hit": "index.store.search",
    "Searcher": "index.store.search",
    "parse_day": "index.store.filters",
    "Store": "index.store.protocol",
    "BuildTarget": "index.store.protocol",
    "StoreAccess": "index.store.backends",
    "tokenize": "index.store.lexical",
    "SafeFetcher": "index.ingest.fetch",
    "AddReport": "index.ingest.ingester",
    "Added": "index.ingest.ingester",
    "Duplicate": "index.ingest.ingester",
    "add_sources": "index.ingest.ingester",
    "Feed": "index.ingest.followed",
    "read_feeds": "index.ingest.followed",
    "read_followed": "index.ingest.followed",
    "follow": "index.ingest.followed",
    "unfollow": "index.ingest.followed",
    "FeedStates": "index.ingest.feed_state",
    "SyncOptions": "index.ingest.sync",
    "SyncReport": "index.ingest.sync",
    "SyncRunning": "index.ingest.sync",
    "sync_feeds": "index.ingest.sync",
    "added_articles": "index.ingest.sync",
    "prune": "index.ingest.prune",
    "DatasetError": "index.eval.data",
    "RgbCase": "index.eval.rgb",
    "load_rgb": "index.eval.rgb",
    "write_article": "index.eval.retrieval",
    "evaluate_retrieval": "index.eval.retrieval",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'index' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
