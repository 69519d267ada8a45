"""The local store (:class:`IndexStore`): a loaded, read-only build of FAISS vectors, the BM25
index, article metadata and chunk offsets in SQLite, and the manifest; article texts are read on
demand. It implements :class:`~index.store.protocol.Store`.

Opening a build checks it first: the manifest is read and matched against the settings, and every
file's size and sha256 against the manifest (see :mod:`index.store.integrity`), so a damaged
build is one line naming the file, never a traceback from FAISS, SQLite or bm25s.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import faiss
import numpy as np

from index.articles.model import ArticleInfo
from index.build.manifest import Manifest
from index.errors import IndexDamaged, IndexMissing
from index.store import integrity
from index.store.filters import Filters
from index.store.layout import BM25, MANIFEST, META, VECTORS, current_build, named_build
from index.store.lexical import TOKENIZER_VERSION, LexicalIndex
from index.store.protocol import ChunkRef
from index.store.vectors import configure, dense_search
from index.util import LRU

log = logging.getLogger(__name__)

TEXT_CACHE = 64  # article texts kept in memory
FILTER_CACHE = 32  # allowed-row masks kept, by filters
INFO_COLUMNS = ("idx", "id", "title", "source", "author", "published", "url", "tags", "path")

T = TypeVar("T")


def _read_only(folder: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{folder / META}?mode=ro", uri=True, check_same_thread=False)


def previous_spans(
    index_dir: Path, model_id: str, chunking: dict
) -> dict[str, list[tuple[int, int]]]:
    """Chunk spans of the live build by article text hash, when it was cut the same way
    (same chunking settings, and the same model, whose tokenizer measures the chunks).

    A rebuild reuses them for unchanged articles instead of splitting those again; a damaged
    live build offers none.
    """
    folder = current_build(index_dir)
    try:
        if folder is None or not Manifest.read(folder / MANIFEST).same_cut(model_id, chunking):
            return {}
        return _spans(folder)
    except (IndexDamaged, sqlite3.Error) as exc:
        log.warning("not reusing the chunks of the live build: %s", exc)
        return {}


def _spans(folder: Path) -> dict[str, list[tuple[int, int]]]:
    spans: dict[str, list[tuple[int, int]]] = {}
    db = _read_only(folder)
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


def _article_info(row: tuple) -> ArticleInfo:
    fields = dict(zip(INFO_COLUMNS, row, strict=True))
    return ArticleInfo(**{**fields, "tags": tuple(json.loads(fields["tags"]))})


def _loading(path: Path, load: Callable[[], T]) -> T:
    """``load()``, with any failure to read ``path`` turned into :class:`IndexDamaged`."""
    try:
        return load()
    except Exception as exc:  # noqa: BLE001 - FAISS, SQLite, bm25s and NumPy all raise their own
        raise IndexDamaged(path, f"cannot be read ({type(exc).__name__}: {exc})") from None


class IndexStore:
    """A loaded, read-only local build: vectors, lexical index, metadata and manifest."""

    def __init__(self, folder: Path, manifest: Manifest | None = None, verify: bool = True) -> None:
        """Load the build in ``folder``; with ``verify`` its files are first checked against the
        sizes and checksums in its manifest."""
        self.folder = folder
        self.manifest: Manifest = manifest or Manifest.read(folder / MANIFEST)
        if verify:
            if not self.manifest.files:
                raise IndexDamaged(folder / MANIFEST, "lists no files")
            integrity.check(folder, self.manifest.files)
        vectors = _loading(folder / VECTORS, lambda: faiss.read_index(str(folder / VECTORS)))
        self.vectors = configure(vectors, self.manifest.faiss_params)
        self.lexical = _loading(folder / BM25, lambda: LexicalIndex.load(folder / BM25))
        self._db = _loading(folder / META, lambda: _read_only(folder))
        self._lock = threading.Lock()
        self._texts: LRU[str, str] = LRU(TEXT_CACHE)
        self._allowed: LRU[Filters, np.ndarray] = LRU(FILTER_CACHE)
        self.articles, rows = _loading(folder / META, self._read_meta)
        self.by_id = {a.id: a for a in self.articles}
        self.chunk_article, self.chunk_start, self.chunk_end = rows[:, 0], rows[:, 1], rows[:, 2]

    def _read_meta(self) -> tuple[list[ArticleInfo], np.ndarray]:
        found = self._db.execute(f"SELECT {', '.join(INFO_COLUMNS)} FROM articles ORDER BY idx")
        articles = [_article_info(row) for row in found]
        rows = np.array(
            self._db.execute(
                'SELECT article_idx, start, "end" FROM chunks ORDER BY row'
            ).fetchall(),
            dtype=np.int64,
        ).reshape(-1, 3)
        return articles, rows

    @classmethod
    def open(
        cls,
        index_dir: Path,
        model_id: str | None = None,
        chunking: dict | None = None,
    ) -> IndexStore:
        """Load the live build, refusing one built with another model or chunking settings and
        one whose files do not match its manifest."""
        folder = named_build(index_dir)
        if folder is None:
            raise IndexMissing(index_dir)
        if not folder.is_dir():
            raise IndexDamaged(folder, "is missing (named by CURRENT)")
        manifest = Manifest.read(folder / MANIFEST)
        manifest.check(index_dir, model_id, chunking, TOKENIZER_VERSION)
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
        return self._texts.get(article_id, lambda: self._read_text(article_id))

    def _read_text(self, article_id: str) -> str:
        with self._lock:
            found = self._db.execute(
                "SELECT text FROM articles WHERE id = ?", (article_id,)
            ).fetchone()
        if found is None:
            raise KeyError(article_id)
        return found[0]

    def chunk_text(self, row: int) -> str:
        """The exact text of the chunk at ``row``."""
        ref = self.chunk(row)
        return self.text(ref.article_id)[ref.start : ref.end]

    def allowed_rows(self, filters: Filters | None) -> np.ndarray | None:
        """Boolean mask of the rows that pass ``filters``, or None when nothing is filtered
        (remembered for the last few filters)."""
        if not filters:
            return None
        return self._allowed.get(filters, lambda: self._mask(filters))

    def _mask(self, filters: Filters) -> np.ndarray:
        ok = np.array([filters.admits(a.source, a.published) for a in self.articles], dtype=bool)
        return ok[self.chunk_article] if len(ok) else np.zeros(0, dtype=bool)

    def dense(
        self, vector: np.ndarray, n: int, filters: Filters | None = None
    ) -> list[tuple[int, float]]:
        """The ``n`` rows nearest to ``vector`` (cosine), among those passing ``filters``."""
        return dense_search(self.vectors, vector, n, self.allowed_rows(filters))

    def lexical_top(
        self, query: str, n: int, filters: Filters | None = None
    ) -> list[tuple[int, float]]:
        """The ``n`` best rows by BM25 for ``query``, among those passing ``filters``."""
        return self.lexical.top(query, n, self.allowed_rows(filters))

    def is_live(self) -> bool:
        """Whether ``CURRENT`` still names this build (a rebuild by any process changes it)."""
        return named_build(self.folder.parent.parent) == self.folder

    def close(self) -> None:
        """Release the metadata database."""
        with self._lock:
            self._db.close()
