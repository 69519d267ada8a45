"""Hybrid search without the model: reciprocal rank fusion, and filters applied inside both
searches (over an index of the fake embedder)."""

from __future__ import annotations

import datetime as dt

import pytest

from index.errors import InvalidFilter
from index.store.index_store import IndexStore
from index.store.search import Filters, Searcher, parse_day, reciprocal_rank_fusion


def test_fusion_adds_reciprocal_ranks_and_ignores_the_scores():
    fused = reciprocal_rank_fusion([[(7, 0.9), (3, 0.8)], [(3, 40.0), (5, 1.0)]], k=60)
    assert fused[3] == pytest.approx(1 / 62 + 1 / 61)
    assert fused[7] == pytest.approx(1 / 61) and fused[5] == pytest.approx(1 / 62)
    assert max(fused, key=fused.get) == 3  # found by both
    assert reciprocal_rank_fusion([]) == {}


def test_filters_apply_inside_the_search(fake_index_dir, fake_embedder):
    store = IndexStore.open(fake_index_dir, fake_embedder.model_id)
    searcher = Searcher(store, fake_embedder)
    only = searcher.search("AI Alliance Network", k=5, filters=Filters(source="fixture wire"))
    assert only and {h.article_id for h in only} == {"2024-10-01-meridian-chip-rules"}
    late = searcher.search("data centre", k=10, filters=Filters(since=dt.date(2025, 6, 1)))
    assert {h.article_id for h in late} == {"2025-06-20-kestrel-bay-data-centre"}
    assert searcher.search("anything", filters=Filters(source="No Such Outlet")) == []
    everything = searcher.search("chip rules alliance data centre", k=50)
    assert len(everything) == store.size and everything == sorted(
        everything, key=lambda h: -h.score
    )


def test_dates_must_be_iso():
    assert parse_day(" 2025-01-02 ") == dt.date(2025, 1, 2)
    with pytest.raises(InvalidFilter, match="--since: 'yesterday' is not a date"):
        parse_day("yesterday", "--since")
