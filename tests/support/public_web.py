"""Pretending the fixture site is on the public internet: made-up host names that "resolve" to
public or private addresses, and a transport that delivers every request to the local fixture
site whatever address the fetcher checked and sent it to."""

from __future__ import annotations

import httpx

from tests.support.site import FixtureSite

PUBLIC_HOST = "news.fixture-public.test"  # "resolves" to a public address
PUBLIC_ADDRESS = "93.184.215.14"
INTERNAL_HOST = "intranet.fixture.test"  # "resolves" to a private address


class ToFixtureSite(httpx.BaseTransport):
    """Delivers every request to the local fixture site, whatever address it was sent to, so
    that a "public" host name can be served by it in a test."""

    def __init__(self, site: FixtureSite) -> None:
        self.site = site
        self.inner = httpx.HTTPTransport()
        self.sent_to: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent_to.append(f"{request.url.host} {request.headers['host']}")
        request.url = request.url.copy_with(host="127.0.0.1", port=self.site.port)
        return self.inner.handle_request(request)


def fake_dns(host: str, port: int) -> list[str]:
    """The made-up hosts' addresses; any other host is unknown."""
    known = {PUBLIC_HOST: [PUBLIC_ADDRESS], INTERNAL_HOST: ["10.1.2.3"]}
    if host not in known:
        raise OSError(f"unknown host {host}")
    return known[host]
