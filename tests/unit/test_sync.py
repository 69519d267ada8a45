"""`geoqa sync` over the wire: RSS and Atom feeds on a local web server that change between
syncs, conditional requests answered 304, failing feeds that rest, the keyword filter, the cap
and the age limit, and the index updated once with only the new chunks embedded.

Every feed, page and outlet is an invented fixture served on 127.0.0.1 (``fixture_site``); the
index uses the fake embedder (these tests are about syncing, not about answers).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from index.articles.readers import read_article
from index.ingest.feed_state import STATE_FILE, FeedStates
from index.ingest.fetch import FEED, FetchError, FetchLimits, SafeFetcher, Validators
from index.ingest.followed import Feed
from index.ingest.sync import SyncOptions, SyncRunning, sync_feeds, sync_lock
from index.store.index_store import IndexStore
from tests.support.pages import (
    CORRIN,
    DREVNA,
    HARWICK,
    OSKARSHOLM,
    PELLMOOR,
    SALTMARSH,
    VERIDIAN,
    article_page,
    atom_feed,
    rss_feed,
)
from tests.support.public_web import INTERNAL_HOST, PUBLIC_HOST, ToFixtureSite, fake_dns

RSS = "application/rss+xml"
ATOM = "application/atom+xml"
_serial = itertools.count()


@pytest.fixture(scope="module")
def site(fixture_site):
    """The fixture site with every invented article page."""
    for article in (CORRIN, DREVNA, HARWICK, OSKARSHOLM, PELLMOOR, SALTMARSH, VERIDIAN):
        fixture_site.add(article.path, article_page(article, canonical=None))
    return fixture_site


def feed_path(kind: str = "rss") -> str:
    """A fresh path for a test's feed (the site is shared by every test)."""
    return f"/sync-{next(_serial)}/feed.{'xml' if kind == 'atom' else 'rss'}"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: str = "2025-10-06T12:00:00+00:00") -> None:
        self.now = dt.datetime.fromisoformat(now)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    return folder


def run_sync(feeds, corpus, index, fetcher=None, embedder=None, **options):
    clock = options.pop("clock", Clock())
    with fetcher or SafeFetcher(allow_private=True) as f:
        return sync_feeds(
            feeds,
            corpus,
            index,
            f,
            embedder=(lambda: embedder) if embedder else None,
            options=SyncOptions(**options),
            clock=clock,
        )


def titles(result) -> list[str]:
    return [a.title for a in result.added]


# --- conditional requests -----------------------------------------------------------------------


def test_a_conditional_fetch_of_an_unchanged_feed_is_not_modified(site):
    path = feed_path()
    url = site.add(path, rss_feed(site, [VERIDIAN]), content_type=RSS, etag='"v1"')
    with SafeFetcher(allow_private=True) as fetcher:
        first = fetcher.fetch(url, FEED)
        assert first.validators == Validators('"v1"', None) and not first.not_modified
        again = fetcher.fetch(url, FEED, validators=first.validators)
        changed = fetcher.fetch(url, FEED, validators=Validators('"v0"'))
    assert again.not_modified and again.data == b""
    assert not changed.not_modified and changed.data == first.data
    assert site.not_modified[path] == 1
    assert site.headers[path][1]["If-None-Match"] == '"v1"'
    assert "If-None-Match" not in site.headers[path][0]


def test_conditional_requests_keep_every_check_of_the_fetcher(site):
    path = feed_path()
    site.add(path, rss_feed(site, [VERIDIAN]), content_type=RSS, etag='"v1"')
    hop = f"/sync-{next(_serial)}/moved"
    site.add(hop, status=301, headers={"Location": path})
    with SafeFetcher(allow_private=True) as fetcher:  # a redirect, then 304 at its target
        moved = fetcher.fetch(site.url(hop), FEED, validators=Validators('"v1"'))
    assert moved.not_modified and moved.final_url == site.url(path)
    transport = ToFixtureSite(site)
    public = SafeFetcher(resolver=fake_dns, transport=transport)
    internal = f"/sync-{next(_serial)}/to-internal"
    site.add(internal, status=302, headers={"Location": f"http://{INTERNAL_HOST}{path}"})
    with public, pytest.raises(FetchError, match="10.1.2.3, a private address"):
        public.fetch(f"http://{PUBLIC_HOST}{internal}", FEED, validators=Validators('"v1"'))


def test_a_304_without_asking_is_an_error(site):
    path = feed_path()
    url = site.add(path, b"", status=304, content_type=None)
    with SafeFetcher(allow_private=True) as fetcher, pytest.raises(FetchError, match="HTTP 304"):
        fetcher.fetch(url, FEED)


# --- syncing ------------------------------------------------------------------------------------


def test_new_entries_go_in_once_and_a_resync_sends_conditional_headers(
    site, corpus_copy, fake_index_copy, fake_embedder
):
    rss, atom = feed_path(), feed_path("atom")
    site.add(rss, rss_feed(site, [HARWICK, VERIDIAN]), content_type=RSS, etag='"rss-1"')
    modified = "Sun, 05 Oct 2025 08:30:00 GMT"
    site.add(atom, atom_feed([DREVNA, PELLMOOR]), content_type=ATOM, last_modified=modified)
    feeds = [Feed("herald", site.url(rss)), Feed("daily", site.url(atom))]
    before = IndexStore.open(fake_index_copy)

    report = run_sync(feeds, corpus_copy, fake_index_copy, embedder=fake_embedder)
    assert [titles(f) for f in report.feeds] == [
        [VERIDIAN.title, HARWICK.title],  # oldest first
        [PELLMOOR.title, DREVNA.title],
    ]
    assert not report.failed and [f.status for f in report.feeds] == ["ok", "ok"]
    store = IndexStore.open(fake_index_copy)
    new_ids = {Path(a.path).stem for a in report.added}
    assert new_ids <= set(store.by_id) and not new_ids & set(before.by_id)
    new_chunks = sum(1 for r in range(store.size) if store.chunk(r).article_id in new_ids)
    assert report.index.embedded == new_chunks and report.index.reused == before.size
    pages = {a.path: site.hits[a.path] for a in (HARWICK, VERIDIAN, DREVNA, PELLMOOR)}

    again = run_sync(feeds, corpus_copy, fake_index_copy, embedder=fake_embedder)
    assert [f.status for f in again.feeds] == ["not_modified", "not_modified"]
    assert again.added == [] and again.index is None  # nothing new: no index update at all
    assert site.headers[rss][-1]["If-None-Match"] == '"rss-1"'
    assert site.headers[atom][-1]["If-Modified-Since"] == modified
    assert (site.not_modified[rss], site.not_modified[atom]) == (1, 1)
    assert {p: site.hits[p] for p in pages} == pages  # no article page fetched again


def test_a_feed_without_validators_is_not_parsed_again_when_its_bytes_did_not_change(site, corpus):
    rss = feed_path()
    site.add(rss, rss_feed(site, [VERIDIAN]), content_type=RSS)  # no ETag, no Last-Modified
    feeds, index = [Feed("plain", site.url(rss))], corpus.parent / "index"
    assert titles(run_sync(feeds, corpus, index)) == [VERIDIAN.title]
    again = run_sync(feeds, corpus, index)
    assert again.feeds[0].status == "unchanged" and again.feeds[0].duplicates == []
    assert again.feeds[0].as_json()["not_modified"] is True and not again.failed
    assert "If-None-Match" not in site.headers[rss][-1]
    site.add(rss, rss_feed(site, [HARWICK, VERIDIAN]), content_type=RSS)
    changed = run_sync(feeds, corpus, index)
    assert changed.feeds[0].status == "ok" and titles(changed) == [HARWICK.title]


def test_a_changed_feed_gives_only_its_new_entry(site, corpus_copy, fake_index_copy, fake_embedder):
    rss = feed_path()
    site.add(rss, rss_feed(site, [VERIDIAN]), content_type=RSS, etag='"1"')
    feeds = [Feed("herald", site.url(rss), source="Herald Wire")]
    first = run_sync(feeds, corpus_copy, fake_index_copy, embedder=fake_embedder)
    assert titles(first) == [VERIDIAN.title]
    veridian_hits = site.hits[VERIDIAN.path]
    site.add(rss, rss_feed(site, [HARWICK, VERIDIAN]), content_type=RSS, etag='"2"')
    second = run_sync(feeds, corpus_copy, fake_index_copy, embedder=fake_embedder)
    (result,) = second.feeds
    assert titles(result) == [HARWICK.title] and len(result.duplicates) == 1
    assert site.hits[VERIDIAN.path] == veridian_hits  # remembered: not fetched again
    assert second.index.embedded >= 1 and second.index.articles == first.index.articles + 1
    article = read_article(Path(result.added[0].path), corpus_copy)
    assert article.source == "Herald Wire"  # the feed's outlet name, not the page's
    with FeedStates(fake_index_copy) as states:
        state = states.get(site.url(rss))
    assert state.etag == '"2"' and state.added == 2 and state.last_new_title == HARWICK.title


def test_an_entry_already_in_the_corpus_is_a_duplicate_without_a_fetch(site, corpus):
    url = site.url(SALTMARSH.path)
    with SafeFetcher(allow_private=True) as fetcher:
        from index.ingest.ingester import add_sources

        add_sources(corpus, [url], fetcher=fetcher)
    hits = site.hits[SALTMARSH.path]
    rss = feed_path()
    site.add(rss, rss_feed(site, [SALTMARSH]), content_type=RSS)
    report = run_sync([Feed("f", site.url(rss))], corpus, corpus.parent / "index")
    (result,) = report.feeds
    assert result.added == [] and [d.url for d in result.duplicates] == [url]
    assert site.hits[SALTMARSH.path] == hits


def test_failing_feeds_are_reported_and_the_others_still_go_in(site, corpus):
    good = feed_path()
    site.add(good, rss_feed(site, [OSKARSHOLM], base=f"http://{PUBLIC_HOST}"), content_type=RSS)
    broken, slow, malformed = feed_path(), feed_path(), feed_path()
    site.add(broken, b"oops", status=500, content_type="text/plain")
    site.add(slow, rss_feed(site, [CORRIN]), content_type=RSS, delay=2.0)
    site.add(malformed, '<?xml version="1.0"?><rss version="2.0"><channel><<<', content_type=RSS)
    public = f"http://{PUBLIC_HOST}"
    feeds = [
        Feed("broken", public + broken),
        Feed("slow", public + slow),
        Feed("malformed", public + malformed),
        Feed("loopback", site.url(good)),  # a private address, and private URLs are not allowed
        Feed("internal", f"http://{INTERNAL_HOST}{good}"),
        Feed("good", public + good),
    ]
    fetcher = SafeFetcher(
        resolver=fake_dns, transport=ToFixtureSite(site), limits=FetchLimits(timeout=0.5)
    )
    report = run_sync(feeds, corpus, corpus.parent / "index", fetcher=fetcher)
    errors = {f.name: f.error for f in report.feeds}
    assert errors["broken"] == "HTTP 500 Internal Server Error"
    assert errors["slow"] == "timed out (no answer within 0.5 s)"
    assert errors["malformed"].startswith("not a readable RSS or Atom feed")
    assert errors["loopback"] == "refused: 127.0.0.1 is a loopback address"
    assert errors["internal"] == f"refused: {INTERNAL_HOST} resolves to 10.1.2.3, a private address"
    assert errors["good"] is None and titles(report.feeds[-1]) == [OSKARSHOLM.title]
    assert report.failed and [f.status for f in report.feeds] == ["failed"] * 5 + ["ok"]
    assert [p.name for p in corpus.iterdir()] == [Path(report.added[0].path).name]


def test_a_failing_feed_rests_longer_after_each_failure_until_it_works(site, corpus):
    path = feed_path()
    site.add(path, b"oops", status=503, content_type="text/plain")
    feeds, index, clock = [Feed("flaky", site.url(path))], corpus.parent / "index", Clock()
    first = run_sync(feeds, corpus, index, clock=clock)
    assert first.feeds[0].status == "failed"
    assert first.feeds[0].backoff_until == "2025-10-06T12:10:00Z"  # 10 minutes
    clock.advance(minutes=5)
    resting = run_sync(feeds, corpus, index, clock=clock)
    assert resting.feeds[0].status == "backing_off" and not resting.failed
    assert site.hits[path] == 1  # not even asked
    clock.advance(minutes=6)
    second = run_sync(feeds, corpus, index, clock=clock)
    assert second.feeds[0].backoff_until == "2025-10-06T12:31:00Z"  # 20 minutes after 12:11
    forced = run_sync(feeds, corpus, index, clock=clock, force=True)
    assert forced.feeds[0].status == "failed" and site.hits[path] == 3
    site.add(path, rss_feed(site, [DREVNA]), content_type=RSS)
    clock.advance(hours=2)
    healed = run_sync(feeds, corpus, index, clock=clock)
    assert healed.feeds[0].status == "ok" and titles(healed) == [DREVNA.title]
    with FeedStates(index) as states:
        state = states.get(site.url(path))
    assert (state.failures, state.backoff_until, state.last_error) == (0, None, None)


def test_the_keyword_filter_keeps_only_matching_entries(site, corpus):
    rss, atom = feed_path(), feed_path("atom")
    site.add(rss, rss_feed(site, [HARWICK, VERIDIAN, SALTMARSH]), content_type=RSS)
    site.add(atom, atom_feed([DREVNA, PELLMOOR]), content_type=ATOM)
    feeds = [
        Feed("chips", site.url(rss), match=("levy", "chip*")),
        Feed("water", site.url(atom), match=("water use",)),  # only in a summary
    ]
    report = run_sync(feeds, corpus, corpus.parent / "index")
    assert [titles(f) for f in report.feeds] == [[VERIDIAN.title, HARWICK.title], [PELLMOOR.title]]
    assert [f.skipped for f in report.feeds] == [{"no_match": 1}, {"no_match": 1}]


def test_the_cap_takes_the_newest_and_leaves_the_rest_for_the_next_sync(site, corpus):
    rss = feed_path()
    site.add(rss, rss_feed(site, [HARWICK, VERIDIAN, SALTMARSH]), content_type=RSS, etag='"x"')
    feeds, index = [Feed("f", site.url(rss))], corpus.parent / "index"
    first = run_sync(feeds, corpus, index, max_entries=2)
    assert titles(first) == [VERIDIAN.title, HARWICK.title] and first.feeds[0].left == 1
    second = run_sync(feeds, corpus, index, max_entries=2)  # the feed is read whole again
    assert second.feeds[0].status == "ok" and titles(second) == [SALTMARSH.title]
    third = run_sync(feeds, corpus, index, max_entries=2)
    assert third.feeds[0].status == "not_modified"  # all handled: now the ETag is kept


def test_entries_older_than_max_age_are_skipped(site, corpus):
    rss = feed_path()
    site.add(rss, rss_feed(site, [HARWICK, VERIDIAN, SALTMARSH]), content_type=RSS)
    report = run_sync(
        [Feed("f", site.url(rss))], corpus, corpus.parent / "index", max_age=dt.timedelta(days=60)
    )
    assert titles(report) == [VERIDIAN.title, HARWICK.title]  # Saltmarsh is from July
    assert report.feeds[0].skipped == {"too_old": 1}


def test_an_entry_whose_page_keeps_failing_is_given_up_after_three_tries(site, corpus):
    rss, gone = feed_path(), f"/sync-{next(_serial)}/gone"
    site.add(gone, b"gone", status=410, content_type="text/plain")
    body = rss_feed(site, [VERIDIAN]).replace(
        "</channel>",
        f"""<item><title>Gone</title>
<link>{site.url(gone)}</link><pubDate>Mon, 06 Oct 2025 08:00:00 +0000</pubDate></item></channel>""",
    )
    site.add(rss, body, content_type=RSS, etag='"same"')
    feeds, index = [Feed("f", site.url(rss))], corpus.parent / "index"
    outcomes = [run_sync(feeds, corpus, index) for _ in range(4)]
    assert [len(r.feeds[0].failed) for r in outcomes] == [1, 1, 1, 0]
    assert outcomes[0].failed and outcomes[2].failed and not outcomes[3].failed
    assert outcomes[3].feeds[0].skipped == {"given_up": 1}
    assert site.hits[gone] == 3
    assert run_sync(feeds, corpus, index).feeds[0].status == "not_modified"


def test_only_one_sync_of_an_index_runs_at_a_time(tmp_path, corpus):
    with sync_lock(tmp_path / "index"), pytest.raises(SyncRunning, match="another sync"):
        run_sync([], corpus, tmp_path / "index")


def test_the_state_store_lives_in_the_index_folder_not_in_a_build(site, corpus, tmp_path):
    rss = feed_path()
    site.add(rss, rss_feed(site, [VERIDIAN]), content_type=RSS)
    run_sync([Feed("f", site.url(rss))], corpus, tmp_path / "index")
    assert (tmp_path / "index" / STATE_FILE).is_file()


# --- the command line ---------------------------------------------------------------------------


def sync_cli(*args, env, embedder):
    return CliRunner().invoke(cli, ["sync", *args], obj={"env": env, "embedder": embedder})


@pytest.fixture
def cli_env(tmp_path, corpus_copy, fake_index_copy) -> dict[str, str]:
    return {
        "GEOQA_CORPUS_DIR": str(corpus_copy),
        "GEOQA_INDEX_DIR": str(fake_index_copy),
        "GEOQA_FEEDS_FILE": str(tmp_path / "feeds.toml"),
        "GEOQA_ALLOW_PRIVATE_URLS": "1",
    }


def follow_cli(env, url, *args):
    result = CliRunner().invoke(cli, ["feeds", "add", url, *args], obj={"env": env})
    assert result.exit_code == 0, result.output


def test_cli_sync_says_what_it_added_then_stays_quiet(site, cli_env, fake_embedder):
    rss = feed_path()
    site.add(rss, rss_feed(site, [VERIDIAN]), content_type=RSS, etag='"1"')
    follow_cli(cli_env, site.url(rss), "--name", "herald")
    first = sync_cli(env=cli_env, embedder=fake_embedder)
    assert first.exit_code == 0, first.output
    (path,) = [p for p in Path(cli_env["GEOQA_CORPUS_DIR"]).iterdir() if "veridian" in p.name]
    lines = first.stdout.splitlines()
    assert lines[0] == f"herald: added {path}: {VERIDIAN.title}"
    assert lines[1].startswith("Index updated: ") and "(embedded " in lines[1]
    again = sync_cli(env=cli_env, embedder=fake_embedder)
    assert (again.exit_code, again.output) == (0, "")  # cron-friendly: nothing happened
    listed = CliRunner().invoke(cli, ["feeds", "list", "--json"], obj={"env": cli_env})
    (row,) = json.loads(listed.stdout)["feeds"]
    assert row["last_status"] == "not_modified" and row["added"] == 1
    assert row["last_new_title"] == VERIDIAN.title


def test_cli_sync_json_has_each_feeds_counts_and_exit_status_1_on_a_failure(
    site, cli_env, fake_embedder
):
    rss, broken = feed_path(), feed_path()
    site.add(rss, rss_feed(site, [HARWICK, VERIDIAN]), content_type=RSS)
    site.add(broken, b"oops", status=500, content_type="text/plain")
    follow_cli(cli_env, site.url(rss), "--name", "herald", "--match", "levy")
    follow_cli(cli_env, site.url(broken), "--name", "broken")
    result = sync_cli("--json", env=cli_env, embedder=fake_embedder)
    assert result.exit_code == 1
    out = json.loads(result.stdout)
    herald, failing = out["feeds"]
    assert [n["title"] for n in herald["new"]] == [HARWICK.title]
    assert (herald["duplicates"], herald["failed"], herald["not_modified"]) == (0, [], False)
    assert herald["skipped"] == {"no_match": 1}
    assert failing["status"] == "failed" and failing["error"] == "HTTP 500 Internal Server Error"
    assert out["added"] == 1 and out["failed"] is True and out["index"]["embedded"] >= 1
    assert result.stderr == ""  # --json: everything is in the object
    text = sync_cli("--force", env=cli_env, embedder=fake_embedder)
    assert text.exit_code == 1 and text.stdout == ""
    assert text.stderr == "error: broken: HTTP 500 Internal Server Error\n"


def test_cli_sync_refuses_loopback_feeds_without_the_setting(site, cli_env, fake_embedder):
    rss = feed_path()
    site.add(rss, rss_feed(site, [VERIDIAN]), content_type=RSS)
    follow_cli(cli_env, site.url(rss), "--name", "local")
    env = {k: v for k, v in cli_env.items() if k != "GEOQA_ALLOW_PRIVATE_URLS"}
    result = sync_cli(env=env, embedder=fake_embedder)
    assert result.exit_code == 1
    assert result.stderr == "error: local: refused: 127.0.0.1 is a loopback address\n"
    assert site.hits[rss] == 0


def test_cli_sync_with_no_index_leaves_the_update_to_the_next_sync(site, cli_env, fake_embedder):
    rss = feed_path()
    site.add(rss, rss_feed(site, [OSKARSHOLM]), content_type=RSS, etag='"1"')
    follow_cli(cli_env, site.url(rss))
    index = Path(cli_env["GEOQA_INDEX_DIR"])
    before = IndexStore.open(index).manifest.articles
    written = sync_cli("--no-index", "--json", env=cli_env, embedder=fake_embedder)
    assert json.loads(written.stdout)["index"] is None
    assert IndexStore.open(index).manifest.articles == before
    healed = sync_cli("--json", env=cli_env, embedder=fake_embedder)
    out = json.loads(healed.stdout)
    assert out["added"] == 0 and out["feeds"][0]["status"] == "not_modified"
    assert out["index"]["articles"] == before + 1 and out["index"]["up_to_date"] is False
    assert IndexStore.open(index).manifest.articles == before + 1
    quiet = sync_cli("--json", env=cli_env, embedder=fake_embedder)
    assert json.loads(quiet.stdout)["index"] is None
