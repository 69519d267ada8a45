"""`geoqa add` with the real model: the index is updated embedding only the new chunks, and the
new article answers questions."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from bot.cli import cli
from index.store.index_store import IndexStore
from index.store.search import Searcher
from tests.support.pages import VERIDIAN, article_page
from tests.support.verify import VerifyingQA


def test_add_updates_the_index_embedding_only_the_new_chunks(
    fixture_site, corpus_copy, index_copy, embedder
):
    url = fixture_site.add("/index/veridian", article_page(VERIDIAN, canonical=None))
    env = {
        "GEOQA_CORPUS_DIR": str(corpus_copy),
        "GEOQA_INDEX_DIR": str(index_copy),
        "GEOQA_ALLOW_PRIVATE_URLS": "1",
    }
    before = IndexStore.open(index_copy)
    result = CliRunner().invoke(
        cli,
        ["add", url, "--json"],
        obj={"env": env, "embedder": embedder},
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    article_id = Path(out["added"][0]["path"]).stem
    store = IndexStore.open(index_copy)
    assert article_id in store.by_id and article_id not in before.by_id
    new_rows = [r for r in range(store.size) if store.chunk(r).article_id == article_id]
    summary = out["index"]
    assert summary["embedded"] == len(new_rows) >= 1
    assert summary["reused"] == summary["chunks"] - len(new_rows) == before.size
    assert summary["articles"] == len(before.articles) + 1
    hits = Searcher(store, embedder).search("resale of quartz-cooled inference racks")
    assert hits[0].article_id == article_id
    answer = VerifyingQA.open(index_copy, embedder).ask(
        "How many AI accelerators may each buyer get under the Veridian Straits pact?"
    )
    assert answer.found and "12,000 units a year" in answer.quotes[0].text
    assert answer.source(answer.quotes[0].n).article_id == article_id
