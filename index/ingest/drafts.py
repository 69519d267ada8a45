"""From an extracted page to a draft article: metadata cleaned to one line each, the date made
ISO or dropped, the canonical URL preferred, and pages without an article refused."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urljoin, urlsplit

from index.articles.frontmatter import parse_date
from index.articles.model import Draft
from index.articles.readers import normal_newlines
from index.errors import BadArticle, Rejected
from index.ingest.urls import WEB_SCHEMES, strip_tracking

MIN_WORDS = 40  # less text than this is navigation, a cookie wall or a paywall stub


def one_line(value: str | None) -> str | None:
    """Metadata text with its whitespace collapsed to single spaces; None when empty."""
    if value is None:
        return None
    return " ".join(str(value).split()) or None


def clean_text(text: str) -> str:
    """Article text as the corpus reader returns it: ``\\n`` line ends, no outer whitespace."""
    return normal_newlines(text).strip()


def draft_from_page(source: str, page: Draft | None, page_url: str | None, min_words: int) -> Draft:
    """The draft of an extracted HTML page, or :class:`Rejected` saying what is missing."""
    if page is None:
        raise Rejected(source, "no article text found in the page")
    text = require_words(source, clean_text(page.text), min_words)
    title = one_line(page.title)
    if not title:
        raise Rejected(source, "no title found in the page")
    return Draft(
        title=title,
        text=text,
        source=one_line(page.source),
        author=one_line(page.author),
        published=_date_or_none(page.published),
        url=_canonical(page.url, page_url),
        tags=tuple(t for t in (one_line(t) for t in page.tags) if t),
    )


def require_words(source: str, text: str, min_words: int) -> str:
    """``text``, unless it is empty or too short to be more than page furniture."""
    if not text:
        raise Rejected(source, "no article text found in the page")
    words = len(text.split())
    if words < min_words:
        raise Rejected(source, f"only {words} words of text found (navigation or boilerplate?)")
    return text


def _date_or_none(value: str | None) -> str | None:
    try:
        return parse_date(value, Path("page"))
    except BadArticle:
        return None


def _canonical(found: str | None, page_url: str | None) -> str | None:
    """The page's canonical URL (made absolute) when it is http(s), else where it was fetched."""
    if found:
        try:
            absolute = urljoin(page_url, found) if page_url else found
            parts = urlsplit(absolute)
        except ValueError:  # a malformed canonical link: ignore it
            parts = None
        if parts is not None and parts.scheme in WEB_SCHEMES and parts.hostname:
            return strip_tracking(absolute)
    return strip_tracking(page_url) if page_url else None
