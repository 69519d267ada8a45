"""Seconds per added web page (fetch + extract + index update) next to a full rebuild.

    .venv/bin/python bench/ingest_bench.py [--pages 20] [--base 200] [--json]

Serves N generated news pages (invented text from ``synthetic.py``, wrapped in navigation, an ad
and a footer) from a local web server, indexes a base corpus of synthetic articles, then adds the
pages two ways: one at a time, each ``add`` followed by an incremental index update, and all at
once with a single update. Finally the resulting corpus is rebuilt from scratch (empty index, no
embedding cache). Every figure comes from the same run and the same loaded model.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from output import rounded  # noqa: E402
from synthetic import TOPICS, article_text, write_corpus  # noqa: E402

from index.articles.html import extract_html  # noqa: E402
from index.build.builder import build_index  # noqa: E402
from index.embedders.torch_model import TorchEmbedder  # noqa: E402
from index.ingest.fetch import SafeFetcher  # noqa: E402
from index.ingest.ingester import add_sources  # noqa: E402


def make_pages(n: int, seed: int = 11) -> dict[str, bytes]:
    """``n`` invented news pages keyed by path."""
    rng = random.Random(seed)
    pages = {}
    for i in range(n):
        title = f"Bench page {i}: {rng.choice(TOPICS)} in the fictional state of Varn-{i}"
        day = f"2025-{rng.randint(1, 12):02}-{rng.randint(1, 28):02}"
        body = "".join(f"<p>{p}</p>\n" for p in article_text(rng).split("\n\n"))
        pages[f"/news/{i}"] = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{title} | Bench Herald</title><meta property="og:site_name" content="Bench Herald">
<meta property="article:published_time" content="{day}T09:00:00Z"></head><body>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/subscribe">Subscribe</a></nav>
<div class="ad">Advertisement: bench routers, half price!</div>
<article><h1>{title}</h1>\n{body}</article>
<footer>Copyright Bench Herald. All rights reserved.</footer></body></html>""".encode()
    return pages


@contextmanager
def serve(pages: dict[str, bytes]):
    """Serve ``pages`` on 127.0.0.1; yields the base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            body = pages.get(self.path)
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def one_at_a_time(urls, corpus, index, embedder, fetcher) -> dict:
    fetch_s = index_s = 0.0
    embedded = 0
    for url in urls:
        started = time.perf_counter()
        report = add_sources(corpus, [url], fetcher=fetcher)
        assert len(report.added) == 1, report.as_json()
        fetched = time.perf_counter()
        build = build_index(corpus, index, embedder)
        fetch_s += fetched - started
        index_s += time.perf_counter() - fetched
        embedded += build.embedded
    return {"fetch_extract_s": fetch_s, "index_update_s": index_s, "embedded": embedded}


def all_at_once(urls, corpus, index, embedder, fetcher) -> dict:
    started = time.perf_counter()
    report = add_sources(corpus, urls, fetcher=fetcher)
    assert len(report.added) == len(urls), report.as_json()
    fetched = time.perf_counter()
    build = build_index(corpus, index, embedder)
    return {
        "fetch_extract_s": fetched - started,
        "index_update_s": time.perf_counter() - fetched,
        "embedded": build.embedded,
    }


def run(pages: int, base: int) -> dict:
    embedder = TorchEmbedder()
    embedder.model  # noqa: B018 - loaded before anything is timed
    html = make_pages(pages)
    extract_html(next(iter(html.values())).decode())  # trafilatura imported before timing too
    with tempfile.TemporaryDirectory() as tmp, serve(html) as site:
        root = Path(tmp)
        write_corpus(root / "base", base)
        build_index(root / "base", root / "base-index", embedder)
        urls = [f"{site}/news/{i}" for i in range(pages)]
        results = {}
        with SafeFetcher(allow_private=True) as fetcher:
            for name, way in (("one_at_a_time", one_at_a_time), ("all_at_once", all_at_once)):
                corpus = Path(shutil.copytree(root / "base", root / f"{name}-corpus"))
                index = Path(shutil.copytree(root / "base-index", root / f"{name}-index"))
                results[name] = way(urls, corpus, index, embedder, fetcher)
        rebuild = build_index(root / "one_at_a_time-corpus", root / "fresh-index", embedder)
    for figures in results.values():
        figures["total_s"] = figures["fetch_extract_s"] + figures["index_update_s"]
        figures["per_article_s"] = figures["total_s"] / pages
    return {
        "pages": pages,
        "base_articles": base,
        "articles_after": rebuild.articles,
        "chunks_after": rebuild.chunks,
        **results,
        "full_rebuild_s": rebuild.seconds,
    }


def print_table(result: dict) -> None:
    pages = result["pages"]
    print(
        f"{pages} pages added to {result['base_articles']} articles"
        f" ({result['articles_after']} articles, {result['chunks_after']} chunks after)\n"
    )
    print(f"{'':32}{'seconds':>10}{'per article':>14}")
    for name, label in (("one_at_a_time", "one at a time"), ("all_at_once", "all in one add")):
        figures = result[name]
        print(f"{label} (embedded {figures['embedded']} chunks)")
        for key, what in (
            ("fetch_extract_s", "fetch + extract + write"),
            ("index_update_s", "index update"),
            ("total_s", "total"),
        ):
            print(f"  {what:30}{figures[key]:>10.2f}{figures[key] / pages:>14.3f}")
    print(f"{'full rebuild (empty cache)':32}{result['full_rebuild_s']:>10.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--base", type=int, default=200, help="synthetic articles already there")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args.pages, args.base)
    if args.json:
        print(json.dumps(rounded(result)))
        return
    print_table(result)


if __name__ == "__main__":
    main()
