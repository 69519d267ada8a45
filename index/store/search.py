"""Hybrid retrieval: dense and lexical (BM25) results fused by reciprocal rank, over any
:class:`~index.store.protocol.Store`.

Filters (outlet, published date range) are applied inside both searches by the store (the local
store gives FAISS a row selector and BM25 a row mask; Qdrant uses payload filters), so a filtered
search still returns its best ``k``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from index.embedders.protocol import Embedder
from index.store.filters import Filters, parse_day
from index.store.protocol import Store

__all__ = ["CANDIDATES", "RRF_K", "Filters", "Hit", "Searcher", "parse_day"]

RRF_K = 60
CANDIDATES = 50  # per retriever, before fusion


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
    """Runs hybrid searches over a loaded :class:`~index.store.protocol.Store`."""

    def __init__(self, store: Store, embedder: Embedder) -> None:
        self.store = store
        self.embedder = embedder

    def allowed_rows(self, filters: Filters | None) -> np.ndarray | None:
        """Boolean mask of the rows that pass ``filters``, or None when nothing is filtered."""
        return self.store.allowed_rows(filters)

    def dense(
        self, vector: np.ndarray, n: int, filters: Filters | None = None
    ) -> list[tuple[int, float]]:
        """Nearest rows by cosine similarity, among the rows passing ``filters``."""
        return self.store.dense(vector, n, filters)

    def search(
        self,
        query: str,
        k: int = 8,
        filters: Filters | None = None,
        vector: np.ndarray | None = None,
        candidates: int = CANDIDATES,
    ) -> list[Hit]:
        """The ``k`` best chunks for ``query`` by reciprocal rank fusion of dense and BM25."""
        if vector is None:
            vector = self.embedder.encode_query(query)
        dense = self.store.dense(vector, max(k, candidates), filters)
        lexical = self.store.lexical_top(query, max(k, candidates), filters)
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
