"""The FAISS index kind follows the size (exact up to a threshold, IVF above) unless chosen, is
recorded in the manifest, and every kind keeps a filtered search a search among allowed rows."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from bot.cli import cli
from index.build.builder import build_index
from index.errors import GeoqaError
from index.store.index_store import IndexStore
from index.store.search import Filters, Searcher
from index.store.vectors import (
    FLAT_MAX_CHUNKS,
    HNSW_EXACT_BELOW,
    choose_kind,
    dense_search,
    ivf_cells,
    make_faiss_index,
)


def clustered(n: int, dim: int = 32, clusters: int = 60, seed: int = 0) -> np.ndarray:
    """Unit vectors around ``clusters`` random centres (not uniform: recall means something)."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, dim))
    spread = rng.uniform(0.2, 0.6, clusters)[:, None]
    which = rng.integers(0, clusters, n)
    points = centres[which] + spread[which] * rng.standard_normal((n, dim))
    return (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(np.float32)


def exact_top(vectors: np.ndarray, query: np.ndarray, n: int, allowed=None) -> list[int]:
    scores = vectors @ query
    if allowed is not None:
        scores = np.where(allowed, scores, -np.inf)
    return [int(r) for r in np.argsort(-scores, kind="stable")[:n] if np.isfinite(scores[r])]


def test_auto_is_exact_up_to_the_threshold_and_ivf_above():
    assert choose_kind("auto", 10) == choose_kind("auto", FLAT_MAX_CHUNKS) == "flat"
    assert choose_kind("auto", FLAT_MAX_CHUNKS + 1) == "ivf"
    assert choose_kind("hnsw", 10) == "hnsw" and choose_kind("flat", 10**7) == "flat"
    with pytest.raises(GeoqaError, match="unknown FAISS index kind 'annoy'"):
        choose_kind("annoy", 10)
    assert ivf_cells(1_000_000) == 4000 and ivf_cells(10) == 1  # 4·√n, 39 vectors a cell at least


def test_ivf_finds_what_exact_search_finds_and_records_its_parameters():
    vectors = clustered(20_000)
    queries = clustered(100, seed=1)
    index, params = make_faiss_index(vectors, "ivf")
    assert params == {"kind": "ivf", "nlist": 512, "nprobe": 64, "trained_on": 20_000}
    found = [[r for r, _ in dense_search(index, q, 10)] for q in queries]
    truth = [exact_top(vectors, q, 10) for q in queries]
    recall = np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found, truth, strict=True)])
    assert recall >= 0.95, recall


@pytest.mark.parametrize("kind", ["flat", "ivf", "hnsw"])
@pytest.mark.parametrize("share", [0.002, 0.05, 0.5])
def test_a_filtered_search_returns_the_best_allowed_rows(kind, share):
    vectors = clustered(5_000, seed=2)
    index, _ = make_faiss_index(vectors, kind)
    allowed = np.random.default_rng(3).random(len(vectors)) < share
    for query in clustered(20, seed=4):
        found = dense_search(index, query, 10, allowed)
        assert found and all(allowed[r] for r, _ in found)
        wanted = exact_top(vectors, query, 10, allowed)
        overlap = len({r for r, _ in found} & set(wanted)) / len(wanted)
        # Narrow filters are searched exhaustively among the allowed rows (IVF probes every
        # cell, HNSW below its threshold reads them back): exactly the best ones.
        narrow = share * len(vectors) < HNSW_EXACT_BELOW if kind == "hnsw" else share < 0.01
        assert overlap == 1.0 if kind == "flat" or narrow else overlap >= 0.8, (kind, share)
    assert dense_search(index, vectors[0], 5, np.zeros(len(vectors), dtype=bool)) == []


def test_the_manifest_records_the_kind_and_the_store_applies_it(
    corpus_dir, tmp_path, fake_embedder
):
    auto = build_index(corpus_dir, tmp_path / "auto", fake_embedder)
    assert IndexStore.open(tmp_path / "auto").manifest.faiss == "flat" and auto.chunks < 100
    args = ["index", "build", "-c", str(corpus_dir), "-i", str(tmp_path / "ivf"), "--faiss", "ivf"]
    assert CliRunner().invoke(cli, args, obj={"embedder": fake_embedder}).exit_code == 0
    stats = CliRunner().invoke(cli, ["index", "stats", "-i", str(tmp_path / "ivf"), "--json"])
    shown = json.loads(stats.stdout)
    assert shown["faiss"] == "ivf" and shown["faiss_params"]["nprobe"] == 1  # one cell here
    store = IndexStore.open(tmp_path / "ivf")
    assert store.vectors.nprobe == shown["faiss_params"]["nprobe"]
    hits = Searcher(store, fake_embedder).search("chip export rules", k=3)
    exact = Searcher(IndexStore.open(tmp_path / "auto"), fake_embedder).search("chip export rules")
    assert [h.row for h in hits] == [h.row for h in exact[:3]]
    only = Searcher(store, fake_embedder).search("data", filters=Filters(source="Fixture Wire"))
    assert {h.article_id for h in only} == {"2024-10-01-meridian-chip-rules"}
