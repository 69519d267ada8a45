"""HTML extraction: an article's main text and metadata from a web page, with trafilatura."""

from __future__ import annotations

import json

from index.articles.model import Draft


def extract_html(html: str, url: str | None = None) -> Draft | None:
    """Main text and metadata of an HTML page (navigation, ads and comments dropped), or None
    when trafilatura finds no text. ``url`` is where the page came from, if known.

    The draft holds the fields as found: the title may be empty and the date not ISO; the
    readers and the ingester check them.
    """
    import trafilatura  # imported here: costly, and only HTML needs it

    extracted = trafilatura.extract(
        html, url=url, output_format="json", with_metadata=True, include_comments=False
    )
    if not extracted:
        return None
    doc = json.loads(extracted)
    return Draft(
        text=doc.get("text") or "",
        title=doc.get("title") or "",
        source=doc.get("source-hostname") or doc.get("sitename") or doc.get("hostname") or None,
        author=doc.get("author") or None,
        published=doc.get("date") or None,
        url=doc.get("source") or doc.get("url") or None,
        tags=tuple(t.strip() for t in (doc.get("tags") or "").split(",") if t.strip()),
    )
