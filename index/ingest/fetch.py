"""Fetching web pages and feeds that users name, without letting them reach private networks.

:class:`SafeFetcher` follows redirects itself so that every hop is checked: only http and https,
and (unless private addresses are allowed) every address the host resolves to must be public. The
request is then sent to one of exactly those checked addresses (the host name still goes in the
``Host`` header and in TLS, so certificates are verified as usual), so a DNS answer that changes
between the check and the connection cannot smuggle a private address in. Responses are streamed
and abandoned past a size cap, and there is a timeout per network step and one for the whole fetch.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urljoin

import httpx

from index.errors import GeoqaError
from index.ingest.urls import WEB_SCHEMES

log = logging.getLogger(__name__)

MIB = 1024 * 1024
USER_AGENT = "geoqa/0.1 (article fetcher for a news question-answering corpus)"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
NOT_MODIFIED = 304
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
FEED_TYPES = frozenset({"application/xml", "text/xml", "application/x-rss+xml"})
HTML_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"
FEED_ACCEPT = "application/rss+xml,application/atom+xml,application/xml;q=0.9,*/*;q=0.1"

Resolver = Callable[[str, int], Sequence[str]]


@dataclass(frozen=True)
class Expect:
    """The kind of response a fetch wants: named for error messages, and the types it admits."""

    name: str
    accept_header: str
    admits: Callable[[str], bool]


@dataclass(frozen=True)
class FetchLimits:
    """How long and how much a fetch may take."""

    timeout: float = 10.0  # seconds for each network step (connect, each read)
    total_timeout: float = 30.0  # seconds for the whole fetch, redirects included
    max_bytes: int = 5 * MIB  # body size, after decompression
    max_redirects: int = 5


class FetchError(GeoqaError):
    """A URL that could not be fetched; ``reason`` is one line for the user."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"{url}: {reason}")


class BlockedAddress(FetchError):
    """A URL whose host is (or resolves to) a private, loopback or otherwise internal address."""


@dataclass(frozen=True)
class Validators:
    """What a server said identifies a response's version (``ETag``, ``Last-Modified``); sent
    back as ``If-None-Match`` and ``If-Modified-Since`` to ask only for a newer version."""

    etag: str | None = None
    last_modified: str | None = None

    def request_headers(self) -> dict[str, str]:
        """The conditional request headers these validators make (none when both are unset)."""
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers

    def updated(self, newer: Validators) -> Validators:
        """These validators with the ones a later response repeated or changed."""
        return Validators(newer.etag or self.etag, newer.last_modified or self.last_modified)

    @classmethod
    def of(cls, headers: httpx.Headers) -> Validators:
        """The validators of a response (each one line, at most 1,000 characters, or unset)."""
        return cls(_header_value(headers, "etag"), _header_value(headers, "last-modified"))


def _header_value(headers: httpx.Headers, name: str) -> str | None:
    value = headers.get(name, "").strip()
    return value if value and len(value) <= 1000 and value.isprintable() else None


@dataclass(frozen=True)
class Fetched:
    """A fetched response body and what is known about it. ``not_modified`` is set (with an
    empty body) when a conditional fetch was answered 304 Not Modified."""

    url: str  # the URL asked for
    final_url: str  # the URL of the last redirect hop
    content_type: str  # media type, lowercase, without parameters
    charset: str | None
    data: bytes
    validators: Validators = Validators()
    not_modified: bool = False

    def text(self) -> str:
        """The body decoded: the HTTP charset, else the page's ``<meta charset>``, else UTF-8."""
        return decode_body(self.data, self.charset)


def is_html_type(media_type: str) -> bool:
    """Whether a media type is an HTML page."""
    return media_type in HTML_TYPES


def is_feed_type(media_type: str) -> bool:
    """Whether a media type can be an RSS or Atom feed (any XML)."""
    return media_type in FEED_TYPES or media_type.endswith("+xml")


HTML_PAGE = Expect("an HTML page", HTML_ACCEPT, is_html_type)
FEED = Expect("an RSS or Atom feed", FEED_ACCEPT, is_feed_type)


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, as the operating system answers."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]).split("%")[0] for info in infos))


def address_problem(address: str) -> str | None:
    """What kind of internal address ``address`` is (``"loopback"``, …), or None if public."""
    ip = ipaddress.ip_address(address)
    candidates: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = [ip]
    if isinstance(ip, ipaddress.IPv6Address):  # an IPv4 address inside says more: check it first
        candidates[:0] = [a for a in (ip.ipv4_mapped, ip.sixtofour) if a is not None]
    for candidate in candidates:
        for kind in ("unspecified", "loopback", "link_local", "multicast", "reserved", "private"):
            if getattr(candidate, f"is_{kind}"):
                return kind.replace("_", "-")
        if not candidate.is_global:
            return "non-public"
    return None


def _ip_literal(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None


def decode_body(data: bytes, charset: str | None) -> str:
    """Decode a response body: the declared charset (HTTP, else the page's ``<meta>``) when it
    works, else trafilatura's decoding (UTF-8, else the detected encoding)."""
    from trafilatura.utils import decode_file  # imported here: costly, only fetching needs it

    for encoding in (charset, _meta_charset(data)):
        if not encoding:
            continue
        try:
            return data.decode(encoding).lstrip("\ufeff")
        except (LookupError, UnicodeDecodeError):
            continue
    return decode_file(data).lstrip("\ufeff")


def _meta_charset(data: bytes) -> str | None:
    found = re.search(rb"<meta[^>]+charset=[\"']?([A-Za-z0-9_.:-]+)", data[:4096], re.IGNORECASE)
    return found.group(1).decode("ascii") if found else None


class SafeFetcher:
    """Fetches http(s) URLs with limits, following and checking each redirect itself.

    ``allow_private`` lets URLs reach loopback, private and other internal addresses (for local
    testing). ``resolver`` and ``transport`` replace DNS and the HTTP transport (for tests).
    """

    def __init__(
        self,
        *,
        allow_private: bool = False,
        limits: FetchLimits | None = None,
        resolver: Resolver = system_resolver,
        transport: httpx.BaseTransport | None = None,
        user_agent: str = USER_AGENT,
    ) -> None:
        self.allow_private = allow_private
        self.limits = limits or FetchLimits()
        self.resolver = resolver
        # No keep-alive: connections are made to checked addresses, and a pooled TLS connection
        # must never carry a request for another host name than the one it was verified for.
        self._client = httpx.Client(
            transport=transport
            or httpx.HTTPTransport(limits=httpx.Limits(max_keepalive_connections=0)),
            headers={"User-Agent": user_agent},
            follow_redirects=False,
            trust_env=False,
        )

    def __enter__(self) -> SafeFetcher:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP client."""
        self._client.close()

    def fetch(
        self, url: str, expect: Expect = HTML_PAGE, *, validators: Validators | None = None
    ) -> Fetched:
        """GET ``url``; raise :class:`FetchError` unless a response of the expected kind came.

        With ``validators`` the request is conditional: a 304 answer comes back as a
        :class:`Fetched` with ``not_modified`` set and no body (every hop is checked as usual).
        """
        deadline = time.monotonic() + self.limits.total_timeout
        current = url
        conditional = validators.request_headers() if validators else {}
        try:
            for _hop in range(self.limits.max_redirects + 1):
                response = self._get(url, current, deadline, expect.accept_header, conditional)
                try:
                    location = response.headers.get("location")
                    if conditional and response.status_code == NOT_MODIFIED:
                        return _not_modified(url, current, response)
                    if response.status_code not in REDIRECT_STATUSES or not location:
                        return self._body(url, current, response, expect, deadline)
                finally:
                    response.close()
                current = _redirect_target(url, current, location)
                log.debug("%s redirects to %s", url, current)
        except httpx.TimeoutException:
            raise FetchError(url, self._timeout_reason(deadline)) from None
        except httpx.HTTPError as exc:
            raise FetchError(url, f"HTTP error: {exc or type(exc).__name__}") from None
        raise FetchError(url, f"too many redirects (more than {self.limits.max_redirects})")

    def _get(
        self,
        url: str,
        current: str,
        deadline: float,
        accept: str,
        conditional: dict[str, str] | None = None,
    ) -> httpx.Response:
        target = self._parse(url, current)
        host = target.host
        port = target.port or (443 if target.scheme == "https" else 80)
        addresses = self._addresses(url, host, port)
        headers = {**(conditional or {}), "Host": target.netloc.decode("ascii"), "Accept": accept}
        last: Exception | None = None
        for address in addresses:
            request = self._client.build_request(
                "GET",
                target.copy_with(host=address),
                headers=headers,
                extensions={"sni_hostname": host},
                timeout=self._timeout(url, deadline),
            )
            try:
                return self._client.send(request, stream=True)
            except httpx.ConnectError as exc:
                last = exc
                log.debug("cannot connect to %s (%s): %s", host, address, exc)
        raise FetchError(url, f"cannot connect to {host}: {last}")

    def _parse(self, url: str, current: str) -> httpx.URL:
        try:
            target = httpx.URL(current)
        except httpx.InvalidURL as exc:
            raise FetchError(url, f"invalid URL {current!r}: {exc}") from None
        if target.scheme not in WEB_SCHEMES:
            where = "" if current == url else f" (redirected to {current})"
            raise FetchError(url, f"only http and https URLs can be added{where}")
        if not target.host:
            raise FetchError(url, f"no host name in {current!r}")
        if target.userinfo:
            raise FetchError(url, "URLs with a user name or password are not accepted")
        return target

    def _addresses(self, url: str, host: str, port: int) -> list[str]:
        literal = _ip_literal(host)
        if literal is not None:
            addresses = [literal]
        else:
            try:
                addresses = [str(a) for a in self.resolver(host, port)]
            except (OSError, UnicodeError) as exc:
                raise FetchError(url, f"cannot resolve host {host}: {exc}") from None
        if not addresses:
            raise FetchError(url, f"cannot resolve host {host}: no addresses")
        if not self.allow_private:
            for address in addresses:
                kind = address_problem(address)
                if kind is not None:
                    via = "is" if literal is not None else f"resolves to {address},"
                    raise BlockedAddress(url, f"refused: {host} {via} a {kind} address")
        return addresses

    def _timeout(self, url: str, deadline: float) -> httpx.Timeout:
        left = deadline - time.monotonic()
        if left <= 0:
            raise FetchError(url, self._timeout_reason(deadline))
        return httpx.Timeout(min(self.limits.timeout, left))

    def _timeout_reason(self, deadline: float) -> str:
        if time.monotonic() >= deadline:
            return f"timed out (took longer than {self.limits.total_timeout:g} s in all)"
        return f"timed out (no answer within {self.limits.timeout:g} s)"

    def _body(
        self,
        url: str,
        final_url: str,
        response: httpx.Response,
        expect: Expect,
        deadline: float,
    ) -> Fetched:
        status = response.status_code
        if not 200 <= status < 300:
            phrase = f" {response.reason_phrase}" if response.reason_phrase else ""
            raise FetchError(url, f"HTTP {status}{phrase}")
        media_type, charset = _content_type(response.headers.get("content-type", ""))
        if not expect.admits(media_type):
            raise FetchError(url, f"not {expect.name} (content type {media_type or 'missing'})")
        data = self._read(url, response, deadline)
        return Fetched(url, final_url, media_type, charset, data, Validators.of(response.headers))

    def _read(self, url: str, response: httpx.Response, deadline: float) -> bytes:
        cap = self.limits.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise FetchError(url, f"too large ({int(declared):,} bytes; the limit is {cap:,})")
        body = bytearray()
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) > cap:
                raise FetchError(url, f"too large (more than {cap:,} bytes)")
            if time.monotonic() > deadline:
                raise FetchError(url, self._timeout_reason(deadline))
        return bytes(body)


def _not_modified(url: str, final_url: str, response: httpx.Response) -> Fetched:
    """A 304 answer to a conditional request: no body, and the validators it repeated."""
    return Fetched(url, final_url, "", None, b"", Validators.of(response.headers), True)


def _redirect_target(url: str, current: str, location: str) -> str:
    try:
        return urljoin(current, location.strip())
    except ValueError:
        raise FetchError(url, f"invalid redirect to {location.strip()!r}") from None


def _content_type(header: str) -> tuple[str, str | None]:
    media_type, _, params = header.partition(";")
    charset = re.search(r"charset=[\"']?([A-Za-z0-9_.:-]+)", params, flags=re.IGNORECASE)
    return media_type.strip().lower(), charset.group(1) if charset else None
