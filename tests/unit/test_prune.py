"""`geoqa prune --older-than DAYS`: a dry run unless `--yes`, then old articles leave the corpus
and the index, undated ones stay, and a sync does not bring pruned feed entries back."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from click.testing import CliRunner

from bot.cli import cli
from index import build_index
from index.ingest.feed_state import FeedStates
from index.ingest.fetch import SafeFetcher
from index.ingest.followed import Feed
from index.ingest.prune import prune
from index.ingest.sync import sync_feeds
from index.store.index_store import IndexStore
from tests.support.pages import HARWICK, VERIDIAN, article_page, rss_feed

TODAY = dt.datetime.now(dt.UTC).date()


def days_ago(n: int) -> str:
    return (TODAY - dt.timedelta(days=n)).isoformat()


def write(folder: Path, name: str, front: str) -> Path:
    path = folder / name
    body = f"Fixture text of {name} about chip rules."
    path.write_text(f"---\n{front}\n---\n\n{body}\n", encoding="utf-8")
    return path


def test_prune_lists_old_articles_and_removes_them_only_with_yes(tmp_path, fake_embedder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    old = write(corpus, "old.md", f"title: Old Fixture Story\npublished: {days_ago(400)}")
    fetched = write(
        corpus, "fetched.md", f"title: Undated but fetched\nfetched_at: {days_ago(90)}T08:00:00Z"
    )
    recent = write(corpus, "recent.md", f"title: Recent Fixture Story\npublished: {days_ago(3)}")
    (corpus / "undated.txt").write_text(
        "An Undated Fixture\n\nNo date anywhere.\n", encoding="utf-8"
    )
    index = tmp_path / "index"
    build_index(corpus, index, fake_embedder)
    env = {"GEOQA_CORPUS_DIR": str(corpus), "GEOQA_INDEX_DIR": str(index)}

    def geoqa(*args):
        return CliRunner().invoke(
            cli, ["prune", *args], obj={"env": env, "embedder": fake_embedder}
        )

    dry = geoqa("--older-than", "30")
    assert dry.exit_code == 0, dry.output
    assert dry.stdout.splitlines() == [
        f"would remove {old} ({days_ago(400)}): Old Fixture Story",
        f"would remove {fetched} ({days_ago(90)}): Undated but fetched",
        f"2 articles dated before {days_ago(30)}; 1 undated articles kept; run again with --yes"
        " to remove them.",
    ]
    assert old.exists() and IndexStore.open(index).manifest.articles == 4
    applied = geoqa("--older-than", "30", "--yes", "--json")
    assert applied.exit_code == 0, applied.output
    out = json.loads(applied.stdout)
    assert [o["path"] for o in out["old"]] == [str(old), str(fetched)] and out["removed"]
    assert out["undated_kept"] == 1 and out["index"]["embedded"] == 0  # nothing new to embed
    assert sorted(p.name for p in corpus.iterdir()) == ["recent.md", "undated.txt"]
    store = IndexStore.open(index)
    assert sorted(store.by_id) == ["recent", "undated"] and recent.exists()
    nothing = geoqa("--older-than", "30")
    assert nothing.stdout == f"No articles dated before {days_ago(30)}; 1 undated articles kept.\n"


def test_prune_needs_a_number_of_days(tmp_path):
    result = CliRunner().invoke(cli, ["prune", "--older-than", "0"], obj={"env": {}})
    assert result.exit_code == 2 and "--older-than" in result.stderr
    missing = CliRunner().invoke(cli, ["prune"], obj={"env": {}})
    assert missing.exit_code == 2 and "Missing option '--older-than'" in missing.stderr


def test_a_pruned_feed_entry_is_not_added_again_by_the_next_sync(
    fixture_site, tmp_path, fake_embedder
):
    for article in (VERIDIAN, HARWICK):
        fixture_site.add(article.path, article_page(article, canonical=None))
    feed = rss_feed(fixture_site, [HARWICK, VERIDIAN])
    url = fixture_site.add("/prune/feed.rss", feed, content_type="application/rss+xml")
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    feeds = [Feed("herald", url)]

    def sync():
        with SafeFetcher(allow_private=True) as fetcher:
            return sync_feeds(feeds, corpus, index, fetcher, embedder=lambda: fake_embedder)

    assert len(sync().added) == 2
    report = prune(
        corpus, index, 30, apply=True, embedder=lambda: fake_embedder, today=dt.date(2025, 10, 6)
    )
    assert [o.title for o in report.old] == [VERIDIAN.title]  # 2025-08-14; Harwick is 09-30
    changed = rss_feed(fixture_site, [HARWICK, VERIDIAN]).replace("</rss>", "</rss>\n")
    fixture_site.add("/prune/feed.rss", changed, content_type="application/rss+xml")
    again = sync()  # the feed is read entry by entry again
    assert again.added == [] and len(again.feeds[0].duplicates) == 2
    assert [a.title for a in IndexStore.open(index).articles] == [HARWICK.title]
    with FeedStates(index) as states:
        assert not states.index_pending
