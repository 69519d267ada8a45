"""The Qdrant store against the local one, with the real qdrant-client in its embedded local mode
and the fake embedder: the same protocol, the same candidates, term statistics and BM25 scores,
filters, the alias switch between builds, and damage or an unreachable server as one line."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

pytest.importorskip("qdrant_client", reason="qdrant-client is not installed")

from bot.cli import cli  # noqa: E402
from index.build.builder import build_index  # noqa: E402
from index.errors import IndexDamaged, IndexMissing  # noqa: E402
from index.settings import IndexConfig  # noqa: E402
from index.store.backends import StoreAccess  # noqa: E402
from index.store.index_store import IndexStore  # noqa: E402
from index.store.protocol import BuildTarget, LexicalStats, Store  # noqa: E402
from index.store.qdrant_common import live_collection  # noqa: E402
from index.store.search import Filters, Searcher  # noqa: E402

QUERIES = [
    "Who is in the AI Alliance Network?",
    "How much could AI add to Russia's GDP by 2030?",
    "data centre megawatts",
    "chip export rules",
    "zzzz qqqq",  # no known term: dense candidates only
]
FILTERS = [
    None,
    Filters(source="fixture wire"),
    Filters(source="CCN", since=dt.date(2024, 12, 1)),
    Filters(since=dt.date(2025, 1, 1)),
    Filters(until=dt.date(2024, 12, 31)),
    Filters(source="No Such Outlet"),
]


def qdrant_env(folder: Path) -> dict[str, str]:
    return {"GEOQA_STORE": "qdrant", "GEOQA_QDRANT_URL": str(folder)}


def access(folder: Path, index_dir: Path) -> StoreAccess:
    return StoreAccess(IndexConfig.from_env(qdrant_env(folder)), index_dir)


def invoke(embedder, env: dict, *args: str):
    return CliRunner().invoke(cli, list(args), env=env, obj={"embedder": embedder})


@pytest.fixture(scope="module")
def qdrant_dir(tmp_path_factory, corpus_dir, fake_embedder) -> Path:
    """The test corpus built into Qdrant (local mode) with `geoqa index build`."""
    folder = tmp_path_factory.mktemp("qdrant")
    index = tmp_path_factory.mktemp("qdrant-cache")
    result = invoke(
        fake_embedder, qdrant_env(folder / "db"), "index", "build", "-c", str(corpus_dir),
        "-i", str(index), "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return folder / "db"


@pytest.fixture
def qdrant_access(qdrant_dir):
    """Access to the Qdrant build (one client: the local mode allows one per folder)."""
    qdrant = access(qdrant_dir, qdrant_dir.parent)
    try:
        yield qdrant
    finally:
        qdrant.close()


@pytest.fixture
def stores(qdrant_access, fake_index_dir, fake_embedder):
    """The same corpus in both stores, opened for reading."""
    return IndexStore.open(fake_index_dir), qdrant_access.open(fake_embedder.model_id)


def canonical(ranking: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """A ranking with exact ties in any order made comparable: by score (to 5 places), row."""
    rounded = [(row, round(score, 5)) for row, score in ranking]
    return sorted(rounded, key=lambda pair: (-pair[1], pair[0]))


def test_both_stores_and_targets_provide_the_protocols(stores, qdrant_access, fake_index_dir):
    for store in stores:
        assert isinstance(store, Store) and isinstance(store.lexical, LexicalStats)
    assert isinstance(qdrant_access.target(), BuildTarget)
    assert isinstance(StoreAccess(IndexConfig.from_env({}), fake_index_dir).target(), BuildTarget)


def test_the_same_candidates_come_from_both_stores(stores, fake_embedder):
    local, qdrant = stores
    assert qdrant.manifest.store == "qdrant" and local.manifest.store == "local"
    assert (qdrant.size, qdrant.articles) == (local.size, local.articles)
    for query in QUERIES:
        vector = fake_embedder.encode_query(query)
        for filters in FILTERS:
            dense = local.dense(vector, 50, filters)
            assert canonical(qdrant.dense(vector, 50, filters)) == canonical(dense), filters
            lexical = local.lexical_top(query, 50, filters)  # BM25: the same scores
            assert canonical(qdrant.lexical_top(query, 50, filters)) == canonical(lexical)
            hits = Searcher(local, fake_embedder).search(query, k=8, filters=filters)
            found = Searcher(qdrant, fake_embedder).search(query, k=8, filters=filters)
            # Rows tied in one ranking may swap places, and so swap fused scores.
            assert {h.row for h in found} == {h.row for h in hits}
            assert sorted(h.score for h in found) == pytest.approx(sorted(h.score for h in hits))
            allowed = local.allowed_rows(filters)
            assert allowed is None or (qdrant.allowed_rows(filters) == allowed).all()


def test_term_statistics_and_texts_are_the_same(stores):
    local, qdrant = stores
    assert qdrant.lexical.num_docs == local.lexical.num_docs == local.size
    terms = list(local.lexical._vocab)  # bm25s keeps an empty term that no chunk holds
    held = {term for term in terms if local.lexical.document_frequency(term)}
    assert set(qdrant.lexical.vocabulary.terms) == held and len(held) > 100
    for term in [*terms, "no-such-term"]:
        assert qdrant.lexical.document_frequency(term) == local.lexical.document_frequency(term)
        assert list(qdrant.lexical.rows_with(term)) == sorted(local.lexical.rows_with(term))
    for row in range(local.size):
        assert qdrant.chunk(row) == local.chunk(row)
        assert qdrant.chunk_text(row) == local.chunk_text(row)


def test_ask_gives_the_same_answer_from_both_stores(qdrant_dir, fake_index_dir, fake_embedder):
    for question in QUERIES[:3]:
        args = ["ask", question, "-i", str(fake_index_dir), "--json", "--source", "CCN"]
        local = invoke(fake_embedder, {}, *args)
        remote = invoke(fake_embedder, qdrant_env(qdrant_dir), *args)
        assert remote.exit_code == local.exit_code == 0, remote.output
        assert json.loads(remote.stdout) == json.loads(local.stdout)
    stats = invoke(fake_embedder, qdrant_env(qdrant_dir), "index", "stats", "--json")
    assert json.loads(stats.stdout)["store"] == "qdrant"


def test_a_new_build_switches_the_alias_and_open_stores_keep_theirs(
    corpus_copy, tmp_path, fake_embedder
):
    db = access(tmp_path / "db", tmp_path / "cache")
    try:
        build_index(corpus_copy, db.index_dir, fake_embedder, target=db.target())
        first = db.open(fake_embedder.model_id)
        extra = corpus_copy / "2025-07-01-extra.md"
        extra.write_text("---\ntitle: Extra\nsource: Extra Wire\n---\n\nA new article on chips.\n")
        build_index(corpus_copy, db.index_dir, fake_embedder, target=db.target())
        second = db.open(fake_embedder.model_id)
        assert second.collection != first.collection
        assert "2025-07-01-extra" in second.by_id and "2025-07-01-extra" not in first.by_id
        assert first.text(first.articles[0].id) and first.size == second.size - 1
        build_index(corpus_copy, db.index_dir, fake_embedder, target=db.target())
        collections = {c.name for c in db.client().get_collections().collections}
        assert first.collection not in collections  # two builds back: deleted
        assert second.collection in collections  # the previous one is kept
        assert live_collection(db.client(), "geoqa") not in (first.collection, second.collection)
    finally:
        db.close()


def test_a_damaged_or_missing_collection_is_one_line(corpus_dir, tmp_path, fake_embedder):
    db = access(tmp_path / "db", tmp_path / "cache")
    try:
        with pytest.raises(IndexMissing, match="run `geoqa index build`"):
            db.open()
        build_index(corpus_dir, db.index_dir, fake_embedder, target=db.target())
        collection = live_collection(db.client(), "geoqa")
        db.client().delete(collection, points_selector=[3])
        with pytest.raises(IndexDamaged, match=f"{collection} holds .* points, the build wrote"):
            db.open()
        assert not db.target().intact()
    finally:
        db.close()
    result = invoke(fake_embedder, qdrant_env(tmp_path / "db"), "ask", "Who?")
    assert result.exit_code == 2 and result.stderr.strip().count("\n") == 0
    assert "holds" in result.stderr and "run `geoqa index build`" in result.stderr
    rebuilt = invoke(
        fake_embedder, qdrant_env(tmp_path / "db"), "index", "build", "-c", str(corpus_dir),
        "-i", str(tmp_path / "cache"), "--if-stale", "--json",
    )  # fmt: skip
    assert rebuilt.exit_code == 0 and json.loads(rebuilt.stdout)["up_to_date"] is False


def test_an_unreachable_qdrant_is_one_line(fake_embedder, tmp_path):
    env = {"GEOQA_STORE": "qdrant", "GEOQA_QDRANT_URL": "http://127.0.0.1:9"}
    result = invoke(fake_embedder, env, "ask", "Who is in the AI Alliance Network?")
    assert result.exit_code == 2 and result.stderr.strip().count("\n") == 0
    assert (
        result.stderr.startswith("error: Qdrant at http://127.0.0.1:9")
        and "failed" in result.stderr
    )
    file = tmp_path / "a-file"
    file.write_text("not a folder")
    broken = invoke(fake_embedder, {**env, "GEOQA_QDRANT_URL": str(file)}, "ask", "Who?")
    assert broken.exit_code == 2 and "Traceback" not in broken.output
