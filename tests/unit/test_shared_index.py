"""Several bot processes sharing one index: an engine picks up a build another process made
live (checked at most every ``refresh_s`` seconds), from the local store and from Qdrant."""

from __future__ import annotations

import pytest

from bot.engine import Engine
from index.build.builder import build_index
from index.settings import IndexConfig
from index.store.backends import StoreAccess

NEW_ID = "2025-07-01-extra"


def add_article(corpus) -> None:
    (corpus / f"{NEW_ID}.md").write_text(
        "---\ntitle: Extra\nsource: Extra Wire\n---\n\nA new article on chip rules.\n"
    )


def picks_up_the_other_build(engine: Engine, rebuild) -> None:
    engine.refresh_s = 3600.0
    assert NEW_ID not in engine.qa().store.by_id
    before = engine.qa().store
    rebuild()  # "another process": not through this engine
    assert engine.qa().store is before  # not checked again yet
    engine.refresh_s = 0.0
    assert NEW_ID in engine.qa().store.by_id and engine.qa().store.is_live()
    assert not before.is_live()
    assert engine.ask("What is new about chip rules?").question


def test_a_local_engine_picks_up_a_build_made_elsewhere(
    corpus_copy, fake_index_copy, fake_embedder
):
    engine = Engine(corpus_copy, fake_index_copy, fake_embedder)

    def rebuild() -> None:
        add_article(corpus_copy)
        build_index(corpus_copy, fake_index_copy, fake_embedder)

    picks_up_the_other_build(engine, rebuild)


def test_a_qdrant_engine_picks_up_a_build_made_elsewhere(corpus_copy, tmp_path, fake_embedder):
    pytest.importorskip("qdrant_client", reason="qdrant-client is not installed")
    env = {"GEOQA_STORE": "qdrant", "GEOQA_QDRANT_URL": str(tmp_path / "db")}
    stores = StoreAccess(IndexConfig.from_env(env), tmp_path / "cache")
    try:
        build_index(corpus_copy, stores.index_dir, fake_embedder, target=stores.target())
        engine = Engine(corpus_copy, stores.index_dir, fake_embedder, stores=stores)

        def rebuild() -> None:
            add_article(corpus_copy)
            build_index(corpus_copy, stores.index_dir, fake_embedder, target=stores.target())

        picks_up_the_other_build(engine, rebuild)
    finally:
        stores.close()
