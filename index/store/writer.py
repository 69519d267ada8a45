"""Writing a local build's files: FAISS vectors, the BM25 index, the SQLite metadata (articles
with their text, chunks with their offsets) and, last, the manifest, completed with the FAISS
kind and parameters and every file's size and sha256."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from pathlib import Path

import faiss

from index.articles.model import Article
from index.build.chunking import Chunk
from index.build.manifest import Manifest
from index.store import integrity
from index.store.layout import BM25, MANIFEST, META, VECTORS
from index.store.lexical import LexicalIndex
from index.store.protocol import BuildData
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
    folder: Path, build: BuildData, lexical: LexicalIndex, faiss_kind: str = "auto"
) -> Manifest:
    """Write every file of a build into ``folder``, the manifest last; returns the manifest as
    written (FAISS kind and parameters, each file's size and checksum)."""
    index, params = make_faiss_index(build.vectors, faiss_kind)
    faiss.write_index(index, str(folder / VECTORS))
    del index
    lexical.save(folder / BM25)
    _write_meta(folder / META, build.articles, build.chunks)
    manifest = dataclasses.replace(
        build.manifest,
        faiss=params.pop("kind"),
        faiss_params=params,
        store="local",
        files=integrity.describe(folder),
    )
    write_synced(folder / MANIFEST, manifest.dumps())
    return manifest


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
