"""Slugs: article ids (:func:`slugify`) and the file names of added articles (:func:`file_slug`)."""

from __future__ import annotations

import re
import unicodedata

SLUG_CHARS = 80  # longest file-name slug


def _dashed(text: str, disallowed: str) -> str:
    """``text`` with every run of ``disallowed`` characters made one dash, no outer dashes."""
    slug = re.sub(disallowed, "-", text, flags=re.ASCII).strip("-")
    return re.sub(r"-{2,}", "-", slug)


def slugify(value: str) -> str:
    """An article id: lowercase, dash-separated, made of ASCII letters, digits, ``_``, ``.``
    and ``/`` (an id may name a sub-folder)."""
    return _dashed(value.lower(), r"[^\w./-]+")


def file_slug(title: str) -> str:
    """A file-name part made from a title: accents folded to ASCII, only letters and digits
    between dashes, at most ``SLUG_CHARS`` long (cut at a dash), ``article`` when empty."""
    folded = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    slug = _dashed(folded.lower(), r"[^a-z0-9]+")
    if len(slug) > SLUG_CHARS:
        slug = slug[:SLUG_CHARS].rsplit("-", 1)[0]
    return slug or "article"
