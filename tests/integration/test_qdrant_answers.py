"""The Qdrant store answers like the local one: the same questions, with and without filters,
give the same quotes from the test corpus (the real model; Qdrant in its embedded local mode)."""

from __future__ import annotations

import datetime as dt

import pytest

pytest.importorskip("qdrant_client", reason="qdrant-client is not installed")

from index.build.builder import build_index  # noqa: E402
from index.build.chunking import DEFAULT_CHUNKING  # noqa: E402
from index.settings import IndexConfig  # noqa: E402
from index.store.backends import StoreAccess  # noqa: E402
from index.store.search import Filters  # noqa: E402
from tests.support.verify import VerifyingQA, assert_quotes_the_members  # noqa: E402

FILTERED = [
    ("Who is in the AI Alliance Network?", Filters(source="CCN")),
    ("What was announced?", Filters(source="Fixture Times")),
    ("Who is in the AI Alliance Network?", Filters(since=dt.date(2025, 1, 1))),
    ("How much power does the data centre use?", Filters(until=dt.date(2025, 12, 31))),
]


@pytest.fixture(scope="module")
def qdrant_qa(tmp_path_factory, corpus_dir, embedder):
    """The test corpus built into Qdrant and a verifying QA over it."""
    folder = tmp_path_factory.mktemp("qdrant")
    config = IndexConfig.from_env({"GEOQA_STORE": "qdrant", "GEOQA_QDRANT_URL": str(folder)})
    stores = StoreAccess(config, tmp_path_factory.mktemp("qdrant-cache"))
    try:
        build_index(corpus_dir, stores.index_dir, embedder, target=stores.target())
        store = stores.open(embedder.model_id, DEFAULT_CHUNKING.as_dict())
        yield VerifyingQA(store, embedder)
    finally:
        stores.close()


def test_the_same_questions_give_the_same_quotes_from_both_stores(qa, qdrant_qa, calibration):
    asked = [case["q"] for case in calibration["answerable"] + calibration["unanswerable"]]
    assert len(asked) > 40
    for question in asked:
        local, remote = qa.ask(question), qdrant_qa.ask(question)
        assert [(q.article_id, q.start, q.end) for q in remote.quotes] == [
            (q.article_id, q.start, q.end) for q in local.quotes
        ], question
        assert remote.found == local.found and remote.sources == local.sources, question
    for question, filters in FILTERED:
        local, remote = qa.ask(question, filters), qdrant_qa.ask(question, filters)
        assert remote.quotes == local.quotes and remote.sources == local.sources, filters
    assert_quotes_the_members(qdrant_qa.ask("Who is in the AI Alliance Network?"))
