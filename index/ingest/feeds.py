"""RSS and Atom feeds: the entries of a fetched feed, oldest first, with absolute links, their
dates (UTC) and summaries as plain text."""

from __future__ import annotations

import calendar
import datetime as dt
import html
import io
import re
from dataclasses import dataclass
from urllib.parse import urljoin

from index.errors import Rejected
from index.ingest.drafts import one_line
from index.ingest.fetch import Fetched


@dataclass(frozen=True)
class Entry:
    """A feed entry: its link (absolute; None when it has none), title, when it was published
    or last updated (UTC; None when the feed does not say) and its summary as plain text."""

    link: str | None
    title: str | None
    published: dt.datetime | None = None
    summary: str | None = None


def feed_entries(fetched: Fetched) -> list[Entry]:
    """The entries of an RSS or Atom feed, oldest first."""
    import feedparser  # imported here: only feeds need it

    parsed = feedparser.parse(  # summaries are read as plain text: no HTML clean-up needed
        io.BytesIO(fetched.data),
        response_headers={"content-location": fetched.final_url},
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        problem = parsed.get("bozo_exception") or "no feed found"
        raise Rejected(fetched.url, f"not a readable RSS or Atom feed ({problem})")
    entries = list(parsed.entries)
    dates = [e.get("published_parsed") or e.get("updated_parsed") for e in entries]
    if all(dates):
        order = sorted(range(len(entries)), key=lambda i: tuple(dates[i])[:6])
    else:  # without dates, trust the convention that feeds list the newest first
        order = list(reversed(range(len(entries))))
    found = []
    for i in order:
        link = (entries[i].get("link") or "").strip()
        title = plain_text(entries[i].get("title"))
        found.append(
            Entry(
                urljoin(fetched.final_url, link) if link else None,
                title,
                _utc(dates[i]),
                plain_text(entries[i].get("summary")),
            )
        )
    return found


def _utc(parsed) -> dt.datetime | None:
    """feedparser's UTC ``struct_time`` as an aware datetime."""
    if not parsed:
        return None
    return dt.datetime.fromtimestamp(calendar.timegm(parsed), dt.UTC)


def plain_text(markup: str | None) -> str | None:
    """A summary's text without tags and entities, on one line (None when empty)."""
    if not markup:
        return None
    return one_line(html.unescape(re.sub(r"<[^>]+>", " ", markup)))
