"""What the answer engine needs from a store, and what a build needs to write one: the
:class:`Store` and :class:`BuildTarget` protocols, implemented by the local store (FAISS + SQLite +
BM25 in a folder: :mod:`.index_store`, :mod:`.local_target`) and by Qdrant (:mod:`.qdrant_store`,
:mod:`.qdrant_target`).

Rows are chunk numbers ``0 … size-1`` in both; the vectors, the lexical index and the chunk
offsets all use them. Terms are what :func:`index.store.lexical.tokenize` makes of a text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    from index.articles.model import Article, ArticleInfo
    from index.build.chunking import Chunk
    from index.build.manifest import Manifest
    from index.store.filters import Filters


@dataclass(frozen=True)
class ChunkRef:
    """Where a chunk (one row) lies in its article."""

    row: int
    article_id: str
    start: int
    end: int


@runtime_checkable
class LexicalStats(Protocol):
    """Term statistics of the chunks, for weighing a question's terms by rarity."""

    @property
    def num_docs(self) -> int:
        """Number of rows (chunks) indexed."""
        ...

    def document_frequency(self, term: str) -> int:
        """How many rows contain ``term``; 0 if none."""
        ...

    def rows_with(self, term: str) -> np.ndarray:
        """The rows that contain ``term`` (an integer array)."""
        ...


@runtime_checkable
class Store(Protocol):
    """A loaded, read-only build: what answering a question needs.

    ``manifest`` describes the build (model, counts, newest article, build time: the stats);
    ``articles`` lists the articles' metadata (without their texts) in index order, ``by_id``
    finds one by id; ``lexical`` holds the term statistics.
    """

    manifest: Manifest
    articles: Sequence[ArticleInfo]
    by_id: Mapping[str, ArticleInfo]
    lexical: LexicalStats

    @property
    def size(self) -> int:
        """Number of chunks (rows)."""
        ...

    def chunk(self, row: int) -> ChunkRef:
        """The article and offsets of the chunk at ``row``."""
        ...

    def text(self, article_id: str) -> str:
        """The stored text of an article (quotes are ``text[start:end]`` of it)."""
        ...

    def allowed_rows(self, filters: Filters | None) -> np.ndarray | None:
        """Boolean mask of the rows passing ``filters``; None when nothing is filtered."""
        ...

    def dense(
        self, vector: np.ndarray, n: int, filters: Filters | None = None
    ) -> list[tuple[int, float]]:
        """Up to ``n`` ``(row, cosine)`` nearest to ``vector``, best first, among the rows
        passing ``filters``."""
        ...

    def lexical_top(
        self, query: str, n: int, filters: Filters | None = None
    ) -> list[tuple[int, float]]:
        """Up to ``n`` ``(row, BM25 score)`` with a positive score for ``query``, best first,
        among the rows passing ``filters``."""
        ...

    def is_live(self) -> bool:
        """Whether this store still reads the live build (another process may have made a new
        one live since it was opened)."""
        ...

    def close(self) -> None:
        """Release what the store holds open."""
        ...


@dataclass(frozen=True)
class BuildData:
    """Everything a new build holds, ready to be written: articles, chunks in row order, their
    embedded texts (title prepended) and vectors, and the manifest (completed by the target)."""

    articles: Sequence[Article]
    chunks: Sequence[Chunk]
    texts: Sequence[str]
    vectors: np.ndarray
    manifest: Manifest


@runtime_checkable
class BuildTarget(Protocol):
    """Where builds are written and made live, atomically: readers see the old build or the new
    one, never a mix."""

    kind: str  # "local" or "qdrant", recorded in the manifest
    settings: dict  # what a build depends on besides the corpus and model (in its fingerprint)

    def live_manifest(self) -> Manifest | None:
        """The live build's manifest; None when there is none or it is damaged."""
        ...

    def intact(self) -> bool:
        """Whether the live build is whole (``--if-stale`` rebuilds a damaged one)."""
        ...

    def previous_spans(self, model_id: str, chunking: dict) -> dict[str, list[tuple[int, int]]]:
        """Chunk spans of the live build by article text hash, when it was cut the same way."""
        ...

    def publish(self, build: BuildData) -> str:
        """Write ``build`` and make it live; returns where it went (folder or collection)."""
        ...

    def close(self) -> None:
        """Release what the target holds open."""
        ...
