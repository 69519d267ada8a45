"""`geoqa sync` as a real process with the real model, killed with SIGKILL: once after it wrote
articles but before it updated the index, once while it updated the index. Each time the corpus
holds only whole articles and the previous index keeps serving; the next sync finishes the job
and the new article answers questions."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from index import build_index, load_corpus, read_manifest
from index.ingest.feed_state import FeedStates
from index.ingest.followed import follow
from index.store.index_store import IndexStore
from index.store.layout import BUILDS, TMP_PREFIX
from tests.support.pages import HARWICK, OSKARSHOLM, VERIDIAN, article_page, rss_feed
from tests.support.paths import REPO
from tests.support.verify import VerifyingQA


def start_sync(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "sync", "--json"],
        cwd=REPO,
        env={**os.environ, "HF_HUB_OFFLINE": "1", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def kill_when(proc: subprocess.Popen, ready, timeout: float = 120) -> None:
    """SIGKILL ``proc`` as soon as ``ready()`` holds (fail if it ends or never gets there)."""
    deadline = time.monotonic() + timeout
    while not ready():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the sync never got there"
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    assert proc.returncode == -signal.SIGKILL


def new_articles(corpus: Path, before: set[str]) -> set[str]:
    return {p.name for p in corpus.iterdir() if not p.name.startswith(".")} - before


def assert_whole(corpus: Path, index: Path, manifest) -> None:
    """Every corpus file reads as an article and the live index is the one given, loadable."""
    assert load_corpus(corpus).skipped == []
    assert read_manifest(index) == manifest
    assert IndexStore.open(index).manifest == manifest


def test_a_killed_sync_leaves_whole_articles_and_the_old_index_and_the_next_one_finishes(
    fixture_site, corpus_copy, index_copy, embedder, tmp_path
):
    for article in (OSKARSHOLM, VERIDIAN):
        fixture_site.add(article.path, article_page(article, canonical=None))
    fixture_site.add(HARWICK.path, article_page(HARWICK, canonical=None), delay=60)  # newest
    feed = fixture_site.add(
        "/killed/feed.rss",
        rss_feed(fixture_site, [HARWICK, VERIDIAN, OSKARSHOLM]),
        content_type="application/rss+xml",
    )
    feeds_file = tmp_path / "feeds.toml"
    follow(feeds_file, feed, name="herald")
    env = {
        "GEOQA_CORPUS_DIR": str(corpus_copy),
        "GEOQA_INDEX_DIR": str(index_copy),
        "GEOQA_FEEDS_FILE": str(feeds_file),
        "GEOQA_ALLOW_PRIVATE_URLS": "1",
    }
    before_files = {p.name for p in corpus_copy.iterdir()}
    manifest = read_manifest(index_copy)

    # 1. Killed after writing two articles, while fetching the third: before the index update.
    first = start_sync(env)
    kill_when(
        first,
        lambda: (
            len(new_articles(corpus_copy, before_files)) == 2
            and fixture_site.hits[HARWICK.path] >= 1
        ),
    )
    assert_whole(corpus_copy, index_copy, manifest)
    with FeedStates(index_copy) as states:
        assert states.index_pending  # the next sync knows the index lags

    # 2. Killed while updating the index (the third article now comes at once).
    fixture_site.add(HARWICK.path, article_page(HARWICK, canonical=None))
    builds = index_copy / BUILDS
    second = start_sync(env)
    kill_when(second, lambda: any(p.name.startswith(TMP_PREFIX) for p in builds.iterdir()))
    assert len(new_articles(corpus_copy, before_files)) == 3
    assert_whole(corpus_copy, index_copy, manifest)

    # 3. The next sync adds nothing new and brings the index up to date.
    third = start_sync(env)
    out, err = third.communicate(timeout=300)
    assert third.returncode == 0, err
    report = json.loads(out)
    assert report["added"] == 0 and report["feeds"][0]["status"] == "unchanged"  # all handled
    assert report["index"]["articles"] == manifest.articles + 3
    index = report["index"]
    assert index["chunks"] > manifest.chunks  # the new articles' chunks are in
    # Nothing is embedded twice: the killed build's vectors were kept in the embedding cache.
    assert index["embedded"] + index["reused"] == index["chunks"]
    assert not any(p.name.startswith(TMP_PREFIX) for p in builds.iterdir())
    assert build_index(corpus_copy, index_copy, embedder, if_stale=True).up_to_date
    answer = VerifyingQA.open(index_copy, embedder).ask(
        "How many AI accelerators may each buyer get under the Veridian Straits pact?"
    )
    assert answer.found and "12,000 units a year" in answer.quotes[0].text
