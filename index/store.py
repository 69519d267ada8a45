"""The index folder: FAISS vectors, SQLite metadata, BM25 and a manifest, swapped atomically.

Layout::

    <index_dir>/CURRENT                 names the live build (replaced with os.replace)
    <index_dir>/builds/<stamp>/         vectors.faiss, meta.sqlite, bm25/, manifest.json
    <index_dir>/cache/embeddings.sqlite  (model, text hash) → vector; survives rebuilds

A build is written into a hidden temporary folder, renamed into ``builds/`` and only then made
current, so a build killed at any moment leaves the previous index loadable and complete.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import os
import shutil
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from index.articles import Article
from index.chunking import Chunk
from index.errors import GeoqaError, IndexMismatch, IndexMissing
from index.lexical import LexicalIndex

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
CURRENT = "CURRENT"
BUILDS = "builds"
TMP_PREFIX = ".tmp-"
MANIFEST = "manifest.json"
VECTORS = "vectors.faiss"
META = "meta.sqlite"
BM25 = "bm25"
TEXT_CACHE = 64

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


class BuildLocked(GeoqaError):
    """Another build of the same index is running."""


def cache_path(index_dir: Path) -> Path:
    """Where the embedding cache of an index folder lives."""
    return index_dir / "cache" / "embeddings.sqlite"


def current_build(index_dir: Path) -> Path | None:
    """The folder of the live build, or None when nothing was built yet."""
    try:
        name = (index_dir / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    folder = index_dir / name
    return folder if (folder / MANIFEST).is_file() else None


def read_manifest(index_dir: Path) -> dict | None:
    """The live build's manifest, or None when there is none."""
    folder = current_build(index_dir)
    if folder is None:
        return None
    return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))


@contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """Hold the index folder's build lock; a second concurrent build fails at once."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".build.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildLocked(f"another build of {index_dir} is running") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def new_build_folder(index_dir: Path) -> Path:
    """A fresh hidden folder to write a build into (left behind if the build is killed)."""
    builds = index_dir / BUILDS
    builds.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    folder = builds / f"{TMP_PREFIX}{stamp}-{os.getpid()}"
    folder.mkdir()
    return folder


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_build(
    folder: Path,
    articles: list[Article],
    chunks: list[Chunk],
    vectors: np.ndarray,
    lexical: LexicalIndex,
    manifest: dict,
    faiss_kind: str = "flat",
) -> None:
    """Write every file of a build into ``folder`` (the manifest last)."""
    faiss.write_index(make_faiss_index(vectors, faiss_kind), str(folder / VECTORS))
    lexical.save(folder / BM25)
    db = sqlite3.connect(folder / META)
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
    text = json.dumps(manifest, indent=2, sort_keys=True)
    with open(folder / MANIFEST, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def make_faiss_index(vectors: np.ndarray, kind: str = "flat") -> faiss.Index:
    """An inner-product index over normalized vectors: exact ``flat`` or approximate ``hnsw``."""
    dim = vectors.shape[1]
    if kind == "flat":
        index = faiss.IndexFlatIP(dim)
    elif kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.hnsw.efSearch = 64
    else:
        raise GeoqaError(f"unknown FAISS index kind {kind!r} (expected flat or hnsw)")
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def publish(index_dir: Path, tmp_folder: Path) -> Path:
    """Make a finished build live: rename it into place, then swap CURRENT with os.replace."""
    final = tmp_folder.with_name(tmp_folder.name.removeprefix(TMP_PREFIX))
    os.rename(tmp_folder, final)
    previous = current_build(index_dir)
    pointer = index_dir / f"{CURRENT}.{os.getpid()}.tmp"
    with open(pointer, "w", encoding="utf-8") as handle:
        handle.write(f"{BUILDS}/{final.name}\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(pointer, index_dir / CURRENT)
    _fsync_dir(index_dir)
    prune(index_dir, keep={final, previous})
    return final


def prune(index_dir: Path, keep: set[Path | None]) -> None:
    """Delete old builds and leftovers of killed builds, keeping ``keep`` (live and previous)."""
    for folder in (index_dir / BUILDS).iterdir():
        if folder not in keep and folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)


def previous_spans(
    index_dir: Path, model_id: str, chunking: dict
) -> dict[str, list[tuple[int, int]]]:
    """Chunk spans of the live build by article text hash, when it was cut the same way
    (same chunking settings, and the same model, whose tokenizer measures the chunks).

    A rebuild reuses them for unchanged articles instead of splitting those again.
    """
    folder = current_build(index_dir)
    if folder is None:
        return {}
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    same = (manifest.get("format"), manifest.get("model"), manifest.get("chunking"))
    if same != (FORMAT_VERSION, model_id, chunking):
        return {}
    spans: dict[str, list[tuple[int, int]]] = {}
    db = sqlite3.connect(f"file:{folder / META}?mode=ro", uri=True)
    try:
        rows = db.execute(
            'SELECT a.text_hash, c.start, c."end" FROM chunks c'
            " JOIN articles a ON a.idx = c.article_idx ORDER BY c.row"
        )
        for text_hash, start, end in rows:
            spans.setdefault(text_hash, []).append((start, end))
    finally:
        db.close()
    return spans


@dataclass(frozen=True)
class ArticleInfo:
    """An indexed article's metadata (its text is read on demand)."""

    idx: int
    id: str
    title: str
    source: str | None
    author: str | None
    published: str | None
    url: str | None
    tags: tuple[str, ...]
    path: str


@dataclass(frozen=True)
class ChunkRef:
    """Where a chunk (one FAISS / BM25 row) lies in its article."""

    row: int
    article_id: str
    start: int
    end: int


class IndexStore:
    """A loaded, read-only build: vectors, lexical index, metadata and manifest."""

    def __init__(self, folder: Path, manifest: dict | None = None) -> None:
        self.folder = folder
        if manifest is None:
            manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        self.manifest: dict = manifest
        self.vectors = faiss.read_index(str(folder / VECTORS))
        self.lexical = LexicalIndex.load(folder / BM25)
        self._db = sqlite3.connect(
            f"file:{folder / META}?mode=ro", uri=True, check_same_thread=False
        )
        self._lock = threading.Lock()
        self._texts: OrderedDict[str, str] = OrderedDict()
        self.articles: list[ArticleInfo] = [
            ArticleInfo(
                idx, aid, title, source, author, published, url, tuple(json.loads(tags)), path
            )
            for idx, aid, title, source, author, published, url, tags, path in self._db.execute(
                "SELECT idx, id, title, source, author, published, url, tags, path"
                " FROM articles ORDER BY idx"
            )
        ]
        self.by_id = {a.id: a for a in self.articles}
        rows = np.array(
            self._db.execute(
                'SELECT article_idx, start, "end" FROM chunks ORDER BY row'
            ).fetchall(),
            dtype=np.int64,
        ).reshape(-1, 3)
        self.chunk_article, self.chunk_start, self.chunk_end = rows[:, 0], rows[:, 1], rows[:, 2]

    @classmethod
    def open(
        cls,
        index_dir: Path,
        model_id: str | None = None,
        chunking: dict | None = None,
    ) -> IndexStore:
        """Load the live build, refusing one built with another model or chunking settings."""
        folder = current_build(index_dir)
        if folder is None:
            raise IndexMissing(index_dir)
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        check_manifest(index_dir, manifest, model_id, chunking)
        return cls(folder, manifest)

    @property
    def size(self) -> int:
        """Number of chunks."""
        return len(self.chunk_start)

    def chunk(self, row: int) -> ChunkRef:
        """The chunk stored at ``row``."""
        article = self.articles[int(self.chunk_article[row])]
        return ChunkRef(row, article.id, int(self.chunk_start[row]), int(self.chunk_end[row]))

    def text(self, article_id: str) -> str:
        """The stored text of an article (the text quotes are cut from)."""
        with self._lock:
            if article_id in self._texts:
                self._texts.move_to_end(article_id)
                return self._texts[article_id]
            row = self._db.execute("SELECT text FROM articles WHERE id = ?", (article_id,))
            found = row.fetchone()
            if found is None:
                raise KeyError(article_id)
            self._texts[article_id] = found[0]
            if len(self._texts) > TEXT_CACHE:
                self._texts.popitem(last=False)
            return found[0]

    def chunk_text(self, row: int) -> str:
        """The exact text of the chunk at ``row``."""
        ref = self.chunk(row)
        return self.text(ref.article_id)[ref.start : ref.end]

    def close(self) -> None:
        """Release the metadata database."""
        with self._lock:
            self._db.close()


def check_manifest(
    index_dir: Path, manifest: dict, model_id: str | None, chunking: dict | None
) -> None:
    """Raise :class:`IndexMismatch` unless the manifest fits this version and these settings."""
    if manifest.get("format") != FORMAT_VERSION:
        raise IndexMismatch(index_dir, f"has format {manifest.get('format')}, not {FORMAT_VERSION}")
    if model_id is not None and manifest.get("model") != model_id:
        raise IndexMismatch(
            index_dir, f"was built with model {manifest.get('model')!r}, not {model_id!r}"
        )
    if chunking is not None and manifest.get("chunking") != chunking:
        raise IndexMismatch(
            index_dir,
            f"was built with chunking {manifest.get('chunking')}, not {chunking}",
        )
