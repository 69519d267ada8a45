"""Writing a build's files: FAISS vectors, the BM25 index, the SQLite metadata (articles with
their text, chunks with their offsets) and, last, the manifest."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import faiss
import numpy as np

from index.articles.model import Article
from index.build.chunking import Chunk
from index.build.manifest import Manifest
from index.store.layout import BM25, MANIFEST, META, VECTORS
from index.store.lexical import LexicalIndex
from index.store.vectors import make_faiss_index
from index.util import write_synced

SCHEMA = """
CREATE TABLE articles (
    idx INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, title TEXT NOT NULL, source TEXT,
    author TEXT, published TEXT, url TEXT, tags TEXT NOT NULL, path TEXT NOT NULL,
    text TEXT NOT NULL, text_hash TEXT NOT NULL
);
CREATE TABLE chunks (
    row INTEGER PRIMARY KEY, article_idx INTEGER NOT NULL REFERENCES articles(idx),
    ordinal INTEGER NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL
);
"""


def write_build(
    folder: Path,
    articles: list[Article],
    chunks: list[Chunk],
    vectors: np.ndarray,
    lexical: LexicalIndex,
    manifest: Manifest,
) -> None:
    """Write every file of a build into ``folder`` (the manifest last)."""
    faiss.write_index(make_faiss_index(vectors, manifest.faiss), str(folder / VECTORS))
    lexical.save(folder / BM25)
    _write_meta(folder / META, articles, chunks)
    write_synced(folder / MANIFEST, manifest.dumps())


def _write_meta(path: Path, articles: list[Article], chunks: list[Chunk]) -> None:
    db = sqlite3.connect(path)
    try:
        db.executescript(SCHEMA)
        position = {a.id: i for i, a in enumerate(articles)}
        db.executemany(
            "INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    i,
                    a.id,
                    a.title,
                    a.source,
                    a.author,
                    a.published,
                    a.url,
                    json.dumps(list(a.tags)),
                    a.path,
                    a.text,
                    a.text_hash,
                )
                for i, a in enumerate(articles)
            ],
        )
        db.executemany(
            "INSERT INTO chunks VALUES (?, ?, ?, ?, ?)",
            [(r, position[c.article_id], c.ordinal, c.start, c.end) for r, c in enumerate(chunks)],
        )
        db.commit()
    finally:
        db.close()
