"""URL hygiene for adding articles: tracking parameters removed, and one normal form per page
(courlan's, after geoqa's own list of tracking parameters).

:func:`strip_tracking` is what gets stored in an article's front matter (the URL as the publisher
wrote it, minus tracking noise); :func:`normalize_url` is the key two URLs are compared by.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

log = logging.getLogger(__name__)

WEB_SCHEMES = ("http", "https")
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
    """The comparison key of a URL: :func:`strip_tracking`, then courlan's normal form
    (lowercase scheme and host, no default port, parameters sorted, no duplicate or trailing
    slash except the root ``/``)."""
    from courlan import normalize_url as courlan_normal  # imported here: only adding needs it

    stripped = strip_tracking(url)
    try:
        return courlan_normal(stripped, strict=False, trailing_slash=False)
    except ValueError:  # e.g. an unclosed IPv6 bracket: left for the fetcher to report
        return stripped
