"""The dense half of the index: a FAISS inner-product index over normalized vectors, made at
build time and searched (optionally among allowed rows only) at question time."""

from __future__ import annotations

import faiss
import numpy as np

from index.errors import GeoqaError

HNSW_NEIGHBOURS = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 64


def make_faiss_index(vectors: np.ndarray, kind: str = "flat") -> faiss.Index:
    """An inner-product index over normalized vectors: exact ``flat`` or approximate ``hnsw``."""
    dim = vectors.shape[1]
    if kind == "flat":
        index = faiss.IndexFlatIP(dim)
    elif kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, HNSW_NEIGHBOURS, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
    else:
        raise GeoqaError(f"unknown FAISS index kind {kind!r} (expected flat or hnsw)")
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def dense_search(
    index: faiss.Index, vector: np.ndarray, n: int, allowed: np.ndarray | None = None
) -> list[tuple[int, float]]:
    """The ``n`` nearest rows to ``vector`` as ``(row, cosine)``, best first, searched only
    among the rows where the boolean mask ``allowed`` is true (all rows when None)."""
    n = min(n, index.ntotal)
    if n <= 0:
        return []
    params = None
    if allowed is not None:
        ids = np.flatnonzero(allowed).astype(np.int64)
        if not len(ids):
            return []
        selector = faiss.IDSelectorBatch(ids)
        if isinstance(index, faiss.IndexHNSW):
            params = faiss.SearchParametersHNSW(sel=selector, efSearch=max(HNSW_EF_SEARCH, n))
        else:
            params = faiss.SearchParameters(sel=selector)
    scores, rows = index.search(vector.reshape(1, -1), n, params=params)
    return [(int(r), float(s)) for r, s in zip(rows[0], scores[0], strict=True) if r >= 0]
