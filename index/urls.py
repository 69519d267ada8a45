"""URL hygiene for adding articles: tracking parameters removed, and one normal form per page.

:func:`strip_tracking` is what gets stored in an article's front matter (the URL as the publisher
wrote it, minus tracking noise); :func:`normalize_url` is the key two URLs are compared by.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

log = logging.getLogger(__name__)

WEB_SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "ref",
        "ref_src",
        "ref_url",
        "referrer",
        "cmpid",
        "ito",
        "at_medium",
        "at_campaign",
        "smid",
        "sr_share",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", flags=re.IGNORECASE)


def looks_like_url(value: str) -> bool:
    """Whether ``value`` starts with ``scheme://`` (any scheme, checked later)."""
    return bool(_SCHEME.match(value.strip()))


def is_tracking_param(name: str) -> bool:
    """Whether a query parameter only tracks the reader (``utm_source``, ``fbclid``, …)."""
    name = name.lower()
    return name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES)


def _clean_query(query: str) -> str:
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(k, v) for k, v in pairs if not is_tracking_param(k)])


def _split(url: str):
    try:
        return urlsplit(url.strip())
    except ValueError:  # e.g. an unclosed IPv6 bracket: left for the fetcher to report
        return None


def strip_tracking(url: str) -> str:
    """``url`` without its fragment and tracking parameters; everything else kept as written."""
    parts = _split(url)
    if parts is None:
        return url.strip()
    query = _clean_query(parts.query) if parts.query else ""
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def normalize_url(url: str) -> str:
    """The comparison key of a URL: lowercase scheme and host, no default port, no fragment, no
    tracking parameters, remaining parameters sorted, no trailing slash (except the root ``/``)."""
    parts = _split(url)
    if parts is None:
        return url.strip()
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != DEFAULT_PORTS.get(scheme):
        netloc = f"{netloc}:{port}"
    path = re.sub(r"/{2,}", "/", parts.path or "/")
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = urlencode(sorted((k, v) for k, v in pairs if not is_tracking_param(k)))
    return urlunsplit((scheme, netloc, path, query, ""))
