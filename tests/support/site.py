"""A local HTTP server on 127.0.0.1 serving the routes a test adds: pages, feeds, redirects and
every kind of broken answer, counting the requests of each path."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass
class Route:
    """One response of :class:`FixtureSite`."""

    body: bytes = b""
    status: int = 200
    content_type: str | None = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering
    repeat: int = 1  # the body is sent this many times, without a Content-Length when > 1
    etag: str | None = None  # sent as ETag; a request with a matching If-None-Match gets 304
    last_modified: str | None = None  # likewise with Last-Modified and If-Modified-Since


class FixtureSite:
    """A local HTTP server on 127.0.0.1 answering the routes added to it (by path, query
    ignored), counting the requests of each path and keeping their headers; any other path is
    a 404. A route with an ``etag`` or ``last_modified`` answers a matching conditional request
    with 304 Not Modified (counted in ``not_modified``)."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self.not_modified: Counter[str] = Counter()
        self.headers: dict[str, list[dict[str, str]]] = {}
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
        """Serve in a background thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.server.shutdown()
        self.server.server_close()


def _handler_for(site: FixtureSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            path = urlsplit(self.path).path
            site.hits[path] += 1
            site.headers.setdefault(path, []).append(dict(self.headers.items()))
            route = site.routes.get(path) or Route(b"not found", 404, "text/plain")
            time.sleep(route.delay)
            if _unchanged(route, self.headers):
                site.not_modified[path] += 1
                self.send_response(304)
                _validators(self, route)
                self.end_headers()
                return
            try:
                self.send_response(route.status)
                if route.content_type:
                    self.send_header("Content-Type", route.content_type)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                _validators(self, route)
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


def _unchanged(route: Route, headers) -> bool:
    """Whether a conditional request names the route's current version."""
    etag, since = headers.get("If-None-Match"), headers.get("If-Modified-Since")
    if route.etag and etag:
        return etag == route.etag
    return bool(route.last_modified and since and since == route.last_modified)


def _validators(handler: BaseHTTPRequestHandler, route: Route) -> None:
    if route.etag:
        handler.send_header("ETag", route.etag)
    if route.last_modified:
        handler.send_header("Last-Modified", route.last_modified)
