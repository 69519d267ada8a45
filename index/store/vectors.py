"""The dense half of the index: a FAISS inner-product index over normalized vectors, made at
build time and searched (optionally among allowed rows only) at question time.

The kind follows the size unless chosen (``--faiss``): ``auto`` is exact (``flat``) up to
:data:`FLAT_MAX_CHUNKS` chunks and an inverted file (``ivf``, spherical k-means cells, exact
distances inside the probed cells) above; ``hnsw`` (a graph) is available on request. The kind
and its parameters are recorded in the manifest.

A filtered search stays a search for the best ``n`` among the allowed rows: IVF probes more cells
the fewer rows a filter allows (all of them, so exhaustively among those rows, when it allows
few), and HNSW searches a small allowed set exactly instead of walking the graph.
"""

from __future__ import annotations

import math

import faiss
import numpy as np

from index.errors import GeoqaError

KINDS = ("auto", "flat", "hnsw", "ivf")
FLAT_MAX_CHUNKS = 100_000  # auto: exact search up to here (about 15 ms a question at 100k)
HNSW_NEIGHBOURS = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 64
HNSW_EXACT_BELOW = 20_000  # a filter allowing fewer rows is searched exactly among them
IVF_CELLS_PER_SQRT = 4  # cells = 4·√n (4,000 at 1M chunks)
IVF_TRAIN_PER_CELL = 50  # training sample: 50 vectors per cell
IVF_NPROBE = 64  # cells probed (see bench/large_index_bench.py for recall and time by probes)
TRAIN_SEED = 1234


def choose_kind(kind: str, n: int) -> str:
    """The FAISS kind to build for ``n`` vectors: ``kind`` itself unless it is ``auto``."""
    if kind not in KINDS:
        raise GeoqaError(f"unknown FAISS index kind {kind!r} (expected one of {', '.join(KINDS)})")
    if kind != "auto":
        return kind
    return "flat" if n <= FLAT_MAX_CHUNKS else "ivf"


def ivf_cells(n: int) -> int:
    """Cells of an IVF index over ``n`` vectors: about 4·√n, at least 1, and no more than
    leaves 39 training vectors per cell (FAISS's minimum)."""
    return max(1, min(round(IVF_CELLS_PER_SQRT * math.sqrt(n)), n // 39))


def make_faiss_index(vectors: np.ndarray, kind: str = "flat") -> tuple[faiss.Index, dict]:
    """An inner-product index over normalized ``vectors`` and its parameters (recorded in the
    manifest): ``kind`` is flat, hnsw, ivf or auto (see :func:`choose_kind`)."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    n, dim = vectors.shape
    kind = choose_kind(kind, n)
    if kind == "flat":
        index, params = faiss.IndexFlatIP(dim), {}
    elif kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, HNSW_NEIGHBOURS, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
        params = {"M": HNSW_NEIGHBOURS, "ef_construction": HNSW_EF_CONSTRUCTION}
        params["ef_search"] = HNSW_EF_SEARCH
    else:
        index, params = _trained_ivf(vectors)
    if n:
        index.add(vectors)
    return index, {"kind": kind, **params}


def _trained_ivf(vectors: np.ndarray) -> tuple[faiss.Index, dict]:
    n, dim = vectors.shape
    cells = ivf_cells(n)
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFFlat(quantizer, dim, cells, faiss.METRIC_INNER_PRODUCT)
    index.cp.spherical = True  # centroids on the unit sphere, like the vectors
    index.cp.seed = TRAIN_SEED
    sample = min(n, cells * IVF_TRAIN_PER_CELL)
    rows = np.random.default_rng(TRAIN_SEED).choice(n, size=sample, replace=False)
    index.train(vectors[np.sort(rows)])
    index.nprobe = min(IVF_NPROBE, cells)
    return index, {"nlist": cells, "nprobe": index.nprobe, "trained_on": int(sample)}


def dense_search(
    index: faiss.Index, vector: np.ndarray, n: int, allowed: np.ndarray | None = None
) -> list[tuple[int, float]]:
    """The ``n`` nearest rows to ``vector`` as ``(row, cosine)``, best first, searched only
    among the rows where the boolean mask ``allowed`` is true (all rows when None)."""
    n = min(n, index.ntotal)
    if n <= 0:
        return []
    query = np.ascontiguousarray(vector, dtype=np.float32).reshape(1, -1)
    params = None
    if allowed is not None:
        count = int(np.count_nonzero(allowed))
        if not count:
            return []
        hnsw = isinstance(index, faiss.IndexHNSW)
        if hnsw and count < HNSW_EXACT_BELOW:
            return _exact_among(index, query, np.flatnonzero(allowed), n)
        bits = np.packbits(allowed.astype(np.uint8), bitorder="little")
        selector = faiss.IDSelectorBitmap(len(allowed), faiss.swig_ptr(bits))
        params = _filtered_params(index, selector, count / index.ntotal, n)
    scores, rows = index.search(query, n, params=params)  # `bits` stays alive until here
    return [(int(r), float(s)) for r, s in zip(rows[0], scores[0], strict=True) if r >= 0]


def _filtered_params(index: faiss.Index, selector, share: float, n: int):
    if isinstance(index, faiss.IndexHNSW):
        return faiss.SearchParametersHNSW(sel=selector, efSearch=max(HNSW_EF_SEARCH, n))
    if isinstance(index, faiss.IndexIVF):
        # The allowed rows are spread over the cells: probe 1/share as many to see as many of
        # them as an unfiltered search sees rows (every cell when the filter is narrow).
        probes = min(index.nlist, math.ceil(index.nprobe / max(share, 1e-9)))
        return faiss.SearchParametersIVF(sel=selector, nprobe=probes)
    return faiss.SearchParameters(sel=selector)


def _exact_among(
    index: faiss.Index, query: np.ndarray, ids: np.ndarray, n: int
) -> list[tuple[int, float]]:
    """Exact search among a few rows, reading their vectors back from the index's storage."""
    vectors = index.reconstruct_batch(ids.astype(np.int64))
    scores = vectors @ query[0]
    best = np.argsort(-scores, kind="stable")[:n]
    return [(int(ids[i]), float(scores[i])) for i in best]


def configure(index: faiss.Index, params: dict) -> faiss.Index:
    """Apply the search parameters recorded in the manifest to a loaded index."""
    if isinstance(index, faiss.IndexIVF) and "nprobe" in params:
        index.nprobe = int(params["nprobe"])
    if isinstance(index, faiss.IndexHNSW) and "ef_search" in params:
        index.hnsw.efSearch = int(params["ef_search"])
    return index
