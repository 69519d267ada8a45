"""What a `geoqa sync` of many followed feeds costs: with nothing new, and with new articles.

    .venv/bin/python bench/sync_bench.py [--feeds 20] [--entries 50] [--new 20] [--repeat 3]
                                         [--json]

Serves ``feeds`` RSS feeds of ``entries`` entries each (generated news pages with invented text
from ``synthetic.py``) from a local web server, follows them all, and runs a first sync that
adds every page and builds the index (the set-up, reported but not the point). Then, each timed
side by side in the same process with the same loaded model:

* nothing new, the feeds answering 304 to the conditional requests;
* nothing new, the feeds answering 200 with the same bytes as last time (a server without
  ETag/Last-Modified support): the body's hash matches, nothing is parsed;
* nothing new, the feeds answering 200 with a body that changed but holds no new entry (a
  ``lastBuildDate`` that moves on every request): every feed is parsed and each entry checked
  against what the sync remembers;
* ``new`` new articles, one more entry in each of the first ``new`` feeds: the index update
  embeds only their chunks (checked against the chunks those articles have in the new index);
* nothing new again as a cron job would run it: ``geoqa sync`` in a fresh process (Python start
  and imports included).

"HTTP" is the time spent inside the fetcher (feeds and pages, round trips and reading the
bodies); "beyond HTTP" is the rest of the sync: parsing feeds, checking entries, the state store,
extracting and writing pages, and the index update.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import contextmanager
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from output import rounded, show  # noqa: E402
from synthetic import TOPICS, article_text  # noqa: E402

from index.articles.html import extract_html  # noqa: E402
from index.articles.readers import load_corpus  # noqa: E402
from index.embedders.torch_model import TorchEmbedder  # noqa: E402
from index.ingest.corpus import KnownArticles  # noqa: E402
from index.ingest.fetch import SafeFetcher  # noqa: E402
from index.ingest.followed import follow, read_feeds  # noqa: E402
from index.ingest.sync import SyncOptions, sync_feeds  # noqa: E402
from index.store.index_store import IndexStore  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


def page(feed: int, entry: int) -> tuple[str, str, str, bytes]:
    """The path, title, date and HTML of entry ``entry`` of feed ``feed``."""
    rng = random.Random(feed * 1000 + entry)
    title = (
        f"Feed {feed} story {entry}: {rng.choice(TOPICS)} in the fictional state of Varn-{entry}"
    )
    day = f"2025-{rng.randint(1, 12):02}-{rng.randint(1, 28):02}"
    body = "".join(f"<p>{p}</p>\n" for p in article_text(rng).split("\n\n"))
    html = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{title} | Bench Herald</title><meta property="og:site_name" content="Bench Herald">
<meta property="article:published_time" content="{day}T09:00:00Z"></head><body>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/subscribe">Subscribe</a></nav>
<article><h1>{title}</h1>\n{body}</article>
<footer>Copyright Bench Herald. All rights reserved.</footer></body></html>"""
    return f"/f{feed}/story-{entry}", title, day, html.encode()


class Site:
    """Feeds with ETags and their pages; ``conditional`` off makes feeds ignore validators."""

    def __init__(self, feeds: int, entries: int) -> None:
        self.pages: dict[str, bytes] = {}
        self.items: dict[int, list[tuple[str, str, str]]] = {f: [] for f in range(feeds)}
        self.conditional = True
        self.stamp = 0  # when > 0, each feed request gets a new lastBuildDate
        self.base = ""
        for f in range(feeds):
            for e in range(entries):
                self.add_entry(f, e)

    def add_entry(self, feed: int, entry: int) -> None:
        path, title, day, html = page(feed, entry)
        self.pages[path] = html
        self.items[feed].append((path, title, day))

    def feed(self, feed: int) -> tuple[bytes, str]:
        """The RSS of a feed (newest first) and its ETag."""
        items = "\n".join(
            f"<item><title>{t}</title><link>{self.base}{p}</link><guid>{self.base}{p}</guid>"
            f"<pubDate>{format_datetime(_day(d))}</pubDate>"
            f"<description>{t} and what it means.</description></item>"
            for p, t, d in reversed(self.items[feed])
        )
        built = ""
        if self.stamp:
            self.stamp += 1
            built = f"<lastBuildDate>{format_datetime(_day('2025-10-01'))} #{self.stamp}"
            built += "</lastBuildDate>"
        rss = f"""<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>
<title>Bench feed {feed}</title><link>{self.base}/</link><description>bench</description>
{built}{items}</channel></rss>"""
        return rss.encode(), f'"f{feed}-{len(self.items[feed])}"'


def _day(day: str):
    import datetime as dt

    return dt.datetime.fromisoformat(f"{day}T09:00:00+00:00")


@contextmanager
def serve(site: Site):
    """Serve ``site`` on 127.0.0.1."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            if self.path.startswith("/feed/"):
                body, etag = site.feed(int(self.path.rsplit("/", 1)[1]))
                if site.conditional and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                kind, extra = "application/rss+xml", {"ETag": etag} if site.conditional else {}
            else:
                body, kind, extra = site.pages.get(self.path, b""), "text/html; charset=utf-8", {}
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield site.base
    finally:
        server.shutdown()
        server.server_close()


class TimedFetcher(SafeFetcher):
    """The real fetcher, adding up the time spent inside ``fetch``."""

    def __init__(self, **options) -> None:
        super().__init__(**options)
        self.seconds = 0.0
        self.requests = 0

    def fetch(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return super().fetch(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - started
            self.requests += 1


def timed_sync(feeds, corpus, index, embedder, **options) -> dict:
    with TimedFetcher(allow_private=True) as fetcher:
        started = time.perf_counter()
        report = sync_feeds(
            feeds, corpus, index, fetcher, embedder=lambda: embedder, options=SyncOptions(**options)
        )
        total = time.perf_counter() - started
    assert not report.failed, report.as_json()
    return {
        "total_s": total,
        "http_s": fetcher.seconds,
        "beyond_http_s": total - fetcher.seconds,
        "index_s": report.index.seconds if report.index else 0.0,
        "requests": fetcher.requests,
        "added": len(report.added),
        "statuses": dict(Counter(f.status for f in report.feeds)),
        "embedded": report.index.embedded if report.index else 0,
        "index_updated": report.index is not None and not report.index.up_to_date,
        "report": report,
    }


def median_of(runs: list[dict]) -> dict:
    """The median run by total time (its figures stay consistent with each other)."""
    run = sorted(runs, key=lambda r: r["total_s"])[len(runs) // 2]
    return {k: v for k, v in run.items() if k != "report"} | {
        "total_s_all": [round(r["total_s"], 3) for r in runs]
    }


def corpus_reading(corpus: Path) -> dict:
    """Seconds to read what the corpus holds, as a sync with something new does once (the
    duplicate check) and as the index update does (the whole corpus, for its fingerprint)."""
    started = time.perf_counter()
    KnownArticles(corpus).refresh()
    known = time.perf_counter() - started
    started = time.perf_counter()
    load_corpus(corpus)
    return {"known_articles_s": known, "load_corpus_s": time.perf_counter() - started}


def cron_run(env: dict[str, str]) -> dict:
    """``geoqa sync`` in a fresh process, as cron runs it."""
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "bot", "sync"],
        cwd=REPO,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )
    return {"wall_s": time.perf_counter() - started, "exit": out.returncode, "output": out.stdout}


def run(n_feeds: int, entries: int, new: int, repeat: int) -> dict:
    embedder = TorchEmbedder()
    embedder.model  # noqa: B018 - loaded before anything is timed
    extract_html(page(0, 0)[3].decode())  # trafilatura imported before timing too
    site = Site(n_feeds, entries)
    with tempfile.TemporaryDirectory() as tmp, serve(site) as base:
        root = Path(tmp)
        corpus, index, feeds_file = root / "corpus", root / "index", root / "feeds.toml"
        corpus.mkdir()
        for f in range(n_feeds):
            follow(feeds_file, f"{base}/feed/{f}", name=f"bench-{f}")
        feeds = read_feeds(feeds_file)
        setup = timed_sync(feeds, corpus, index, embedder, max_entries=entries)
        assert setup["added"] == n_feeds * entries, setup["added"]

        unchanged_304 = [timed_sync(feeds, corpus, index, embedder) for _ in range(repeat)]
        site.conditional = False
        same_bytes = [timed_sync(feeds, corpus, index, embedder) for _ in range(repeat)]
        site.stamp = 1
        changed_bytes = [timed_sync(feeds, corpus, index, embedder) for _ in range(repeat)]
        site.conditional, site.stamp = True, 0
        timed_sync(feeds, corpus, index, embedder)  # the validators are stored again

        for f in range(new):
            site.add_entry(f, entries)
        with_new = timed_sync(feeds, corpus, index, embedder)
        assert with_new["added"] == new, with_new["added"]
        store = IndexStore.open(index)
        new_ids = {Path(a.path).stem for a in with_new["report"].added}
        new_chunks = sum(1 for r in range(store.size) if store.chunk(r).article_id in new_ids)
        assert with_new["embedded"] == new_chunks, (with_new["embedded"], new_chunks)

        env = {
            "GEOQA_CORPUS_DIR": str(corpus),
            "GEOQA_INDEX_DIR": str(index),
            "GEOQA_FEEDS_FILE": str(feeds_file),
            "GEOQA_ALLOW_PRIVATE_URLS": "1",
        }
        cron = [cron_run(env) for _ in range(repeat)]
        assert all(c["exit"] == 0 and c["output"] == "" for c in cron), cron
        chunks = store.size
        reading = corpus_reading(corpus)
    return {
        "feeds": n_feeds,
        "entries_per_feed": entries,
        "articles": n_feeds * entries + new,
        "chunks": chunks,
        "setup_first_sync": median_of([setup]),
        "nothing_new_304": median_of(unchanged_304),
        "nothing_new_200_same_bytes": median_of(same_bytes),
        "nothing_new_200_changed_bytes": median_of(changed_bytes),
        "with_new": median_of([with_new]) | {"new_article_chunks": new_chunks},
        "reading_the_corpus": reading,
        "cron_process_nothing_new_s": sorted(c["wall_s"] for c in cron)[len(cron) // 2],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=20)
    parser.add_argument("--entries", type=int, default=50)
    parser.add_argument("--new", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    show(rounded(run(args.feeds, args.entries, args.new, args.repeat)), args.json, width=28)


if __name__ == "__main__":
    main()
