"""Adding articles to the corpus from web pages, RSS/Atom feeds and local files.

Each source becomes ``<corpus>/<published>-<slug>.md`` with the front matter the corpus reader
uses, unless the corpus already holds it (same normalized URL, or the same text). A source that
cannot be added is reported with one line of reason and the others still go in; nothing half
written is left behind (see :mod:`index.ingest.corpus`). Updating the index afterwards is the
caller's choice (:func:`index.build.builder.build_index` embeds only the new chunks).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from index.articles.html import extract_html
from index.articles.model import Draft
from index.articles.readers import HTML_SUFFIXES, read_article
from index.errors import BadArticle, ConfigError, Rejected
from index.ingest.corpus import KnownArticles, corpus_lock, utc_stamp, write_article
from index.ingest.drafts import MIN_WORDS, draft_from_page, require_words
from index.ingest.feeds import feed_entries
from index.ingest.fetch import FEED, Fetched, FetchError, SafeFetcher
from index.ingest.urls import looks_like_url

if TYPE_CHECKING:
    from index.build.builder import BuildReport

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Added:
    """A source written into the corpus."""

    url: str  # the source as given: a URL or a file path
    path: str
    title: str


@dataclass(frozen=True)
class Duplicate:
    """A source the corpus already holds, and the file that holds it."""

    url: str
    path: str


@dataclass(frozen=True)
class Failed:
    """A source that could not be added, and why."""

    url: str
    reason: str


Outcome = Added | Duplicate | Failed
Notify = Callable[[Outcome], None]


@dataclass
class AddReport:
    """What an ``add`` did; ``as_json`` is the ``--json`` output."""

    added: list[Added] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    failed: list[Failed] = field(default_factory=list)
    index: BuildReport | None = None

    def as_json(self) -> dict:
        """The report as one JSON-ready object."""
        return {
            "added": [{"url": a.url, "path": a.path, "title": a.title} for a in self.added],
            "duplicates": [{"url": d.url, "path": d.path} for d in self.duplicates],
            "failed": [{"url": f.url, "reason": f.reason} for f in self.failed],
            "index": self.index.as_json() if self.index is not None else None,
        }


class Ingester:
    """Adds sources to one corpus folder, collecting an :class:`AddReport`."""

    def __init__(
        self,
        corpus_dir: Path,
        fetcher: SafeFetcher,
        *,
        files: bool = True,
        min_words: int = MIN_WORDS,
        notify: Notify | None = None,
    ) -> None:
        if not corpus_dir.is_dir():
            raise ConfigError(f"corpus folder {corpus_dir} does not exist")
        self.root = corpus_dir
        self.fetcher = fetcher
        self.files = files
        self.min_words = min_words
        self.notify = notify
        self.known = KnownArticles(corpus_dir)
        self.report = AddReport()

    def add_url(self, url: str, source: str | None = None) -> None:
        """Fetch a web page and add its article; ``source``, when given, is stored as its outlet
        (a followed feed's outlet name) instead of the one the page names."""
        url = url.strip()
        try:
            self.known.refresh()
            held = self.known.holding([url])
            if held is not None:
                self._duplicate(url, held)
                return
            fetched = self.fetcher.fetch(url)
            draft = self._draft_from_fetched(url, fetched)
            if source:
                draft = dataclasses.replace(draft, source=source)
            self._store(url, draft, [url, fetched.final_url])
        except (FetchError, Rejected, BadArticle) as exc:
            self._fail(url, exc.reason)

    def add_file(self, name: str) -> None:
        """Copy a local ``.md``, ``.txt`` or ``.html`` article into the corpus."""
        path = Path(name)
        try:
            if not path.is_file():
                raise Rejected(name, "no such file")
            article = read_article(path, path.parent)
            if path.suffix.lower() in HTML_SUFFIXES:
                require_words(name, article.text, self.min_words)
            self._store(name, article, [])
        except (Rejected, BadArticle) as exc:
            self._fail(name, exc.reason)

    def add_feed(self, url: str) -> None:
        """Fetch an RSS or Atom feed and add the entries the corpus lacks, oldest first."""
        url = url.strip()
        try:
            entries = feed_entries(self.fetcher.fetch(url, FEED))
        except (FetchError, Rejected) as exc:
            self._fail(url, exc.reason)
            return
        log.info("feed %s: %d entries", url, len(entries))
        for entry in entries:
            if entry.link is None:
                self._fail(url, f"feed entry {entry.title or '(untitled)'!r} has no link")
            else:
                self.add_url(entry.link)

    def add(self, source: str) -> None:
        """Add a URL (anything with ``scheme://``) or, when files are allowed, a local file."""
        if looks_like_url(source):
            self.add_url(source)
        elif self.files:
            self.add_file(source)
        else:
            self._fail(source, "not an http(s) URL")

    def _draft_from_fetched(self, url: str, fetched: Fetched) -> Draft:
        html = fetched.text()
        if "\x00" in html:
            raise Rejected(url, "binary content, not an HTML page")
        page = extract_html(html, url=fetched.final_url)
        return draft_from_page(url, page, fetched.final_url, self.min_words)

    def _store(self, source: str, draft: Draft, urls: list[str]) -> None:
        with corpus_lock(self.root):
            self.known.refresh()
            held = self.known.holding([*urls, *([draft.url] if draft.url else [])], draft.text_hash)
            if held is not None:
                self._duplicate(source, held)
                return
            path = write_article(self.root, draft, self.known, utc_stamp())
        log.info("added %s as %s", source, path)
        self._record(self.report.added, Added(source, str(path), draft.title))

    def _duplicate(self, source: str, path: str) -> None:
        log.info("%s: already in corpus: %s", source, path)
        self._record(self.report.duplicates, Duplicate(source, path))

    def _fail(self, source: str, reason: str) -> None:
        log.info("%s: not added: %s", source, reason)
        self._record(self.report.failed, Failed(source, reason))

    def _record(self, outcomes: list, outcome: Outcome) -> None:
        outcomes.append(outcome)
        if self.notify is not None:
            self.notify(outcome)


def add_sources(
    corpus_dir: Path,
    sources: Sequence[str] = (),
    feeds: Sequence[str] = (),
    *,
    fetcher: SafeFetcher,
    files: bool = True,
    min_words: int = MIN_WORDS,
    notify: Notify | None = None,
) -> AddReport:
    """Add URLs and (with ``files``) local files, then the entries of ``feeds``.

    Pass ``files=False`` where sources come from untrusted users: anything that is not a URL is
    then refused instead of read from the local disk. ``notify`` is called with each outcome
    as it happens.
    """
    ingester = Ingester(corpus_dir, fetcher, files=files, min_words=min_words, notify=notify)
    for source in sources:
        ingester.add(source)
    for feed in feeds:
        ingester.add_feed(feed)
    return ingester.report
