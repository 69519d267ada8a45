"""Hybrid retrieval: dense (FAISS) and lexical (BM25) results fused by reciprocal rank.

Filters (outlet, published date range) are applied inside both searches: FAISS gets an
``IDSelector`` and BM25 a row mask, so a filtered search still returns its best ``k``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from index.embedders.protocol import Embedder
from index.errors import InvalidFilter
from index.store.index_store import IndexStore
from index.store.vectors import dense_search

RRF_K = 60
CANDIDATES = 50  # per retriever, before fusion


def parse_day(text: str, what: str = "date") -> dt.date:
    """A ``YYYY-MM-DD`` date, or :class:`InvalidFilter` saying what was wrong."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidFilter(f"{what}: {text.strip()!r} is not a date (use YYYY-MM-DD)") from None


@dataclass(frozen=True)
class Filters:
    """Restrict a search to one outlet and/or a published date range (inclusive)."""

    source: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None

    def __bool__(self) -> bool:
        return any(v is not None for v in (self.source, self.since, self.until))

    def admits(self, source: str | None, published: str | None) -> bool:
        """Whether an article with this outlet and date passes the filters."""
        if self.source is not None and (source or "").casefold() != self.source.casefold():
            return False
        if self.since is None and self.until is None:
            return True
        if not published:
            return False
        day = dt.date.fromisoformat(published)
        return not (self.since and day < self.since) and not (self.until and day > self.until)


def reciprocal_rank_fusion(
    rankings: Iterable[list[tuple[int, float]]], k: int = RRF_K
) -> dict[int, float]:
    """Fused score of every row in any ranking: the sum of ``1 / (k + rank)`` over the
    rankings that hold it (ranks from 1; the rankings' own scores are not used)."""
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, (row, _) in enumerate(ranking):
            fused[row] = fused.get(row, 0.0) + 1.0 / (k + rank + 1)
    return fused


@dataclass(frozen=True)
class Hit:
    """One retrieved chunk with its fused score and the evidence from each retriever."""

    row: int
    article_id: str
    start: int
    end: int
    score: float
    dense: float | None  # cosine similarity, when the dense search found it
    lexical: float | None  # BM25 score, when the lexical search found it


class Searcher:
    """Runs hybrid searches over a loaded :class:`IndexStore`."""

    def __init__(self, store: IndexStore, embedder: Embedder) -> None:
        self.store = store
        self.embedder = embedder

    def allowed_rows(self, filters: Filters | None) -> np.ndarray | None:
        """Boolean mask of the rows that pass ``filters``, or None when nothing is filtered."""
        if not filters:
            return None
        ok = np.array(
            [filters.admits(a.source, a.published) for a in self.store.articles], dtype=bool
        )
        return ok[self.store.chunk_article] if len(ok) else np.zeros(0, dtype=bool)

    def dense(
        self, vector: np.ndarray, n: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """Nearest rows by cosine similarity, searched only among ``allowed`` rows."""
        return dense_search(self.store.vectors, vector, n, allowed)

    def search(
        self,
        query: str,
        k: int = 8,
        filters: Filters | None = None,
        vector: np.ndarray | None = None,
        candidates: int = CANDIDATES,
    ) -> list[Hit]:
        """The ``k`` best chunks for ``query`` by reciprocal rank fusion of dense and BM25."""
        allowed = self.allowed_rows(filters)
        if vector is None:
            vector = self.embedder.encode_query(query)
        dense = self.dense(vector, max(k, candidates), allowed)
        lexical = self.store.lexical.top(query, max(k, candidates), allowed)
        fused = reciprocal_rank_fusion([dense, lexical])
        dense_of, lexical_of = dict(dense), dict(lexical)
        best = sorted(fused, key=lambda r: (-fused[r], r))[:k]
        hits = []
        for row in best:
            ref = self.store.chunk(row)
            hits.append(
                Hit(
                    row,
                    ref.article_id,
                    ref.start,
                    ref.end,
                    fused[row],
                    dense_of.get(row),
                    lexical_of.get(row),
                )
            )
        return hits
