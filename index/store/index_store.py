"""A loaded, read-only build (:class:`IndexStore`): vectors, lexical index, article metadata,
chunk offsets and the manifest; article texts are read on demand."""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from index.articles.model import ArticleInfo
from index.build.manifest import Manifest
from index.errors import IndexMissing
from index.store.layout import BM25, MANIFEST, META, VECTORS, current_build
from index.store.lexical import TOKENIZER_VERSION, LexicalIndex
from index.util import LRU

TEXT_CACHE = 64  # article texts kept in memory
INFO_COLUMNS = ("idx", "id", "title", "source", "author", "published", "url", "tags", "path")


@dataclass(frozen=True)
class ChunkRef:
    """Where a chunk (one FAISS / BM25 row) lies in its article."""

    row: int
    article_id: str
    start: int
    end: int


def _read_only(folder: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{folder / META}?mode=ro", uri=True, check_same_thread=False)


def previous_spans(
    index_dir: Path, model_id: str, chunking: dict
) -> dict[str, list[tuple[int, int]]]:
    """Chunk spans of the live build by article text hash, when it was cut the same way
    (same chunking settings, and the same model, whose tokenizer measures the chunks).

    A rebuild reuses them for unchanged articles instead of splitting those again.
    """
    folder = current_build(index_dir)
    if folder is None or not Manifest.read(folder / MANIFEST).same_cut(model_id, chunking):
        return {}
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


class IndexStore:
    """A loaded, read-only build: vectors, lexical index, metadata and manifest."""

    def __init__(self, folder: Path, manifest: Manifest | None = None) -> None:
        self.folder = folder
        self.manifest: Manifest = manifest or Manifest.read(folder / MANIFEST)
        self.vectors = faiss.read_index(str(folder / VECTORS))
        self.lexical = LexicalIndex.load(folder / BM25)
        self._db = _read_only(folder)
        self._lock = threading.Lock()
        self._texts: LRU[str, str] = LRU(TEXT_CACHE)
        rows = self._db.execute(f"SELECT {', '.join(INFO_COLUMNS)} FROM articles ORDER BY idx")
        self.articles: list[ArticleInfo] = [_article_info(row) for row in rows]
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

    def close(self) -> None:
        """Release the metadata database."""
        with self._lock:
            self._db.close()
