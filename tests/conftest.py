"""Shared fixtures: the real model (loaded once per session) and a small index built once.

Tests that change a corpus or an index work on copies (``corpus_copy``, ``index_copy``).
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from bot.qa import QA  # noqa: E402
from index.build import build_index  # noqa: E402
from index.embedding import Embedder  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SHIPPED_CORPUS = REPO / "corpus"
FIXTURE_ARTICLES = Path(__file__).resolve().parent / "fixtures" / "articles"
SEED_ID = "2024-12-12-russia-brics-ai-alliance-network"
# The member countries the seed article names for "Who is in the AI Alliance Network?".
MEMBERS = ("Brazil", "India", "South Africa", "China")


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real packaged all-MiniLM-L6-v2, loaded once for the whole session."""
    model = Embedder()
    model.model  # noqa: B018 - load now, once
    return model


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory) -> Path:
    """The shipped corpus plus the test fixture articles (read-only: copy before changing)."""
    folder = tmp_path_factory.mktemp("corpus")
    for source in (SHIPPED_CORPUS, FIXTURE_ARTICLES):
        for path in source.iterdir():
            shutil.copy(path, folder / path.name)
    return folder


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory, embedder, corpus_dir) -> Path:
    """An index of ``corpus_dir`` built once (read-only: use ``index_copy`` to change it)."""
    folder = tmp_path_factory.mktemp("index")
    build_index(corpus_dir, folder, embedder)
    return folder


@pytest.fixture
def corpus_copy(corpus_dir, tmp_path) -> Path:
    """A private copy of the test corpus."""
    return Path(shutil.copytree(corpus_dir, tmp_path / "corpus"))


@pytest.fixture
def index_copy(index_dir, tmp_path) -> Path:
    """A private copy of the built index (its embedding cache included)."""
    return Path(shutil.copytree(index_dir, tmp_path / "index"))


class VerifyingQA(QA):
    """The real engine, checking every answer it gives: each quote is a verbatim, whole-word span
    of the stored article it cites. Every test that answers questions goes through it."""

    def ask(self, question, filters=None, k=None):
        answer = super().ask(question, filters, k)
        assert_verbatim(answer, self.store)
        return answer


def assert_verbatim(answer, store) -> None:
    """Fail unless every quote is ``article_text[start:end]`` and cut at word boundaries."""
    for quote in answer.quotes:
        text = store.text(quote.article_id)
        assert text[quote.start : quote.end] == quote.text, quote
        assert quote.start == 0 or not text[quote.start - 1].isalnum(), quote
        assert quote.end == len(text) or not text[quote.end].isalnum(), quote
        assert answer.source(quote.n).article_id == quote.article_id


@pytest.fixture(scope="session")
def qa(index_dir, embedder) -> VerifyingQA:
    """The QA engine over the session index (shared; it holds no per-question state)."""
    return VerifyingQA.open(index_dir, embedder)


@pytest.fixture(scope="session")
def calibration() -> dict:
    """The answerable / unanswerable question set."""
    return json.loads((Path(__file__).parent / "qa_calibration.json").read_text())


@dataclass
class Route:
    """One response of :class:`FixtureSite`."""

    body: bytes = b""
    status: int = 200
    content_type: str | None = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering
    repeat: int = 1  # the body is sent this many times, without a Content-Length when > 1


class FixtureSite:
    """A local HTTP server on 127.0.0.1 answering the routes added to it (by path, query
    ignored) and counting the requests of each path; any other path is a 404."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def add(self, path: str, body: bytes | str = b"", **options) -> str:
        """Serve ``body`` at ``path`` (see :class:`Route` for the options); returns its URL."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = Route(data, **options)
        return self.url(path)

    def url(self, path: str) -> str:
        """The absolute URL of ``path`` on this server."""
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _handler_for(site: FixtureSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            path = urlsplit(self.path).path
            site.hits[path] += 1
            route = site.routes.get(path) or Route(b"not found", 404, "text/plain")
            time.sleep(route.delay)
            try:
                self.send_response(route.status)
                if route.content_type:
                    self.send_header("Content-Type", route.content_type)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                if route.repeat == 1 and "Content-Length" not in route.headers:
                    self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                for _ in range(route.repeat):
                    self.wfile.write(route.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped reading, as it should past its size cap

        def log_message(self, *args) -> None:
            pass

    return Handler


@pytest.fixture(scope="session")
def fixture_site() -> Iterator[FixtureSite]:
    """A local web server for fetching tests; tests add their own routes to it."""
    site = FixtureSite()
    site.start()
    yield site
    site.stop()
