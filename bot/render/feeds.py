"""Followed feeds and their news as text: a feed's status as short lines (``geoqa feeds list``,
Discord's ``/feeds``), a sync's outcome in one line, and the digest of new articles that the
Discord bot posts (titles as links, outlet, date), within Discord's limits by construction.
discord.py is imported only by the digest functions, so the terminal commands don't load it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from index.articles.model import Article
from index.ingest.feed_state import FeedState
from index.ingest.followed import Feed
from index.ingest.sync import SyncReport

if TYPE_CHECKING:
    import discord

LINE_LIMIT = 500  # a digest line longer than this (a huge URL) is shown without its link
MORE_ROOM = 40  # kept free in a digest for the "… and N more" line


def status_lines(feed: Feed, state: FeedState) -> list[str]:
    """A feed's settings and what the last syncs did, one fact per line (plain text)."""
    lines = []
    parts = [f"source {feed.source}"] if feed.source else []
    if feed.match:
        parts.append("only entries with " + ", ".join(feed.match))
    if parts:
        lines.append(" · ".join(parts))
    if state.last_fetch is None:
        lines.append("not read yet")
    else:
        read = "last tried" if state.last_status == "failed" else "read"
        lines.append(f"{read} {state.last_fetch} · {state.added} articles added in all")
    if state.last_new:
        lines.append(f"last new article {state.last_new}: {state.last_new_title}")
    if state.failures:
        lines.append(
            f"failing ({state.failures} in a row): {state.last_error};"
            f" resting until {state.backoff_until}"
        )
    return lines


def sync_summary(report: SyncReport) -> str:
    """A sync's outcome in one line: articles added, feeds unchanged, resting or failing."""
    statuses = [f.status.replace("unchanged", "not_modified") for f in report.feeds]
    parts = [f"{len(report.added)} new articles from {len(report.feeds)} feeds"]
    for status, label in (
        ("not_modified", "unchanged"),
        ("backing_off", "resting after failures"),
        ("failed", "failed"),
    ):
        if statuses.count(status):
            parts.append(f"{statuses.count(status)} {label}")
    pages = sum(len(f.failed) for f in report.feeds)
    if pages:
        parts.append(f"{pages} pages could not be added")
    return ", ".join(parts)


def digest_line(article: Article) -> str:
    """``• [Title](url) — Outlet, date``: the title linked when there is a URL, all escaped."""
    from bot.render.discord import safe

    title = safe(article.title).replace("]", "\\]")
    details = ", ".join(safe(p) for p in (article.source, article.published) if p)
    tail = f" — {details}" if details else ""
    if article.url:
        linked = f"• [{title}]({article.url.replace(')', '%29').replace(' ', '%20')}){tail}"
        if len(linked) <= LINE_LIMIT:
            return linked
    return f"• {title[:LINE_LIMIT]}{tail}"


def digest_embed(articles: list[Article]) -> discord.Embed:
    """One embed listing the new articles, as many as fit; the rest counted."""
    import discord

    from bot.render.discord import DESCRIPTION_LIMIT, FOUND_COLOUR, TITLE_LIMIT

    lines: list[str] = []
    size = 0
    for article in articles:
        line = digest_line(article)
        if size + len(line) + 1 > DESCRIPTION_LIMIT - MORE_ROOM:
            break
        lines.append(line)
        size += len(line) + 1
    left = len(articles) - len(lines)
    if left:
        lines.append(f"… and {left} more")
    title = f"New articles ({len(articles)})"[:TITLE_LIMIT]
    return discord.Embed(title=title, description="\n".join(lines), colour=FOUND_COLOUR)
