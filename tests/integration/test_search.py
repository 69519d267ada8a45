"""Retrieval over the real index."""

from __future__ import annotations

import numpy as np

from index.build.builder import build_index
from index.store.index_store import IndexStore
from index.store.search import Filters, Searcher
from index.store.vectors import make_faiss_index
from tests.support.paths import MEMBERS, SEED_ID


def _names_the_members(store, hit) -> bool:
    text = store.chunk_text(hit.row)
    return hit.article_id == SEED_ID and all(country in text for country in MEMBERS)


def test_a_top_hit_for_the_alliance_question_names_the_member_countries(index_dir, embedder):
    store = IndexStore.open(index_dir, embedder.model_id)
    hits = Searcher(store, embedder).search("Who is in the AI Alliance Network?", k=3)
    assert hits[0].article_id == SEED_ID
    # The chunk naming the members is first in one ranking and second in the other, tied in the
    # fusion with a chunk that is second and first: either may come first.
    assert hits[0].score == hits[1].score or _names_the_members(store, hits[0])
    assert any(_names_the_members(store, hit) for hit in hits[:2])


def test_hnsw_recall_against_exact_search_on_real_embeddings(embedder):
    countries = ["Russia", "China", "India", "Brazil", "France", "Japan", "Kenya", "Chile"]
    topics = ["chip exports", "AI safety rules", "data centres", "sanctions", "AI research"]
    verbs = ["announced new", "criticised", "debated", "tightened", "relaxed"]
    texts = [
        f"{a} {v} {t} with {b}."
        for a in countries
        for b in countries
        if a != b
        for v in verbs
        for t in topics
    ]  # 1,400 sentences
    questions = [f"What did {a} say about {t}?" for a in countries for t in topics]
    vectors, queries = embedder.encode(texts), embedder.encode(questions)
    (exact, _), (approx, _) = make_faiss_index(vectors, "flat"), make_faiss_index(vectors, "hnsw")
    _, truth = exact.search(queries, 10)
    _, found = approx.search(queries, 10)
    recall = np.mean([len(set(t) & set(f)) / 10 for t, f in zip(truth, found, strict=True)])
    assert recall >= 0.95, recall


def test_an_hnsw_index_answers_and_filters_like_the_exact_one(corpus_dir, tmp_path, embedder):
    build_index(corpus_dir, tmp_path, embedder, faiss_kind="hnsw")
    store = IndexStore.open(tmp_path, embedder.model_id)
    assert store.manifest.faiss == "hnsw"
    searcher = Searcher(store, embedder)
    top = searcher.search("Who is in the AI Alliance Network?", k=3)
    assert any(_names_the_members(store, hit) for hit in top[:2])
    only = searcher.search("AI Alliance Network", k=5, filters=Filters(source="Fixture Wire"))
    assert only and {h.article_id for h in only} == {"2024-10-01-meridian-chip-rules"}
