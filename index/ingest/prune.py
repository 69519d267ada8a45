"""Retention, for people who want a rolling window: the corpus articles older than a number of
days, and removing them from the corpus and then the index.

An article's age is its ``published`` date, else the day it was fetched (``fetched_at``, written
by ``add`` and ``sync``); an article with neither is kept. Removing notes first (in the feed state
store) that the index lags the corpus, so a prune killed half way is finished by the next sync or
``geoqa index build``; articles a sync added are remembered there and are not added again.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from index.articles.frontmatter import parse_date, split_front_matter
from index.articles.model import Article
from index.articles.readers import MARKDOWN_SUFFIXES, load_corpus
from index.errors import BadArticle, ConfigError
from index.ingest.corpus import corpus_lock
from index.ingest.feed_state import FeedStates
from index.ingest.sync import sync_lock
from index.util import fsync_dir

if TYPE_CHECKING:
    from index.build.builder import BuildReport
    from index.embedders.protocol import Embedder
    from index.store.protocol import BuildTarget

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OldArticle:
    """An article older than the cut-off: its file, title and the date it is judged by."""

    path: str
    title: str
    date: str


@dataclass
class PruneReport:
    """What a prune found (and, when applied, removed); ``as_json`` is the ``--json`` output."""

    cutoff: str
    old: list[OldArticle] = field(default_factory=list)
    undated: int = 0  # articles kept because they carry no date at all
    removed: bool = False
    index: BuildReport | None = None

    def as_json(self) -> dict:
        """The report as one JSON-ready object."""
        return {
            "cutoff": self.cutoff,
            "old": [{"path": o.path, "title": o.title, "date": o.date} for o in self.old],
            "undated_kept": self.undated,
            "removed": self.removed,
            "index": self.index.as_json() if self.index is not None else None,
        }


def article_date(article: Article) -> str | None:
    """The day an article is judged by: published, else fetched; None when it has neither."""
    if article.published:
        return article.published
    path = Path(article.path)
    if path.suffix.lower() not in MARKDOWN_SUFFIXES:
        return None
    try:
        meta, _ = split_front_matter(path.read_text(encoding="utf-8"), path)
        return parse_date(meta.get("fetched_at"), path, "fetched_at")
    except (OSError, UnicodeDecodeError, BadArticle):
        return None


def find_old(corpus_dir: Path, days: int, today: dt.date) -> PruneReport:
    """The articles dated before ``today`` minus ``days`` days, oldest first."""
    if days < 1:
        raise ConfigError("--older-than takes a number of days of at least 1")
    cutoff = (today - dt.timedelta(days=days)).isoformat()
    report = PruneReport(cutoff)
    for article in load_corpus(corpus_dir).articles:
        date = article_date(article)
        if date is None:
            report.undated += 1
        elif date < cutoff:
            report.old.append(OldArticle(article.path, article.title, date))
    report.old.sort(key=lambda o: (o.date, o.path))
    return report


def prune(
    corpus_dir: Path,
    index_dir: Path,
    days: int,
    *,
    apply: bool = False,
    embedder: Callable[[], Embedder] | None = None,
    today: dt.date | None = None,
    target: BuildTarget | None = None,
) -> PruneReport:
    """Find the articles older than ``days`` days; with ``apply`` remove them from the corpus
    and (given ``embedder``, called only then) rebuild the index without them, into ``target``
    (the configured store; default the local index in ``index_dir``)."""
    report = find_old(corpus_dir, days, today or dt.datetime.now(dt.UTC).date())
    if not apply or not report.old:
        return report
    with sync_lock(index_dir), FeedStates(index_dir) as states:
        states.set_index_pending(True)  # before the corpus changes
        with corpus_lock(corpus_dir):
            for old in report.old:
                with suppress(FileNotFoundError):
                    Path(old.path).unlink()
                log.info("removed %s (%s)", old.path, old.date)
            fsync_dir(corpus_dir)
        report.removed = True
        if embedder is not None:
            from index.build.builder import build_index  # imported here: loads faiss

            report.index = build_index(
                corpus_dir, index_dir, embedder(), if_stale=True, target=target
            )
            states.set_index_pending(False)
    return report
