"""The long-lived engine a server process (the Discord bot) holds: the QA over the live index,
loaded lazily once, and rebuilt in place — questions keep using the old index until the new one
is swapped in. A build made by another process (another bot sharing the index) is picked up
within ``REFRESH_S`` seconds."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.answer import Answer
from bot.qa import QA
from index import (
    DEFAULT_CHUNKING,
    AddReport,
    BuildReport,
    Embedder,
    Filters,
    GeoqaError,
    Progress,
    SafeFetcher,
    StoreAccess,
    SyncOptions,
    SyncReport,
    add_sources,
    build_index,
    read_followed,
    sync_feeds,
)
from index.settings import FEEDS_FILE

log = logging.getLogger(__name__)

REFRESH_S = 30.0  # how often a question checks whether another process made a new build live


class RebuildRunning(GeoqaError):
    """A rebuild was asked for while another one runs."""


@dataclass(frozen=True)
class IndexStats:
    """What ``/sources`` shows."""

    articles: int
    chunks: int
    newest_published: str | None
    built_at: str
    model: str


class Engine:
    """Answers questions from the live index; ``rebuild`` swaps in a new one atomically."""

    def __init__(
        self,
        corpus_dir: Path,
        index_dir: Path,
        embedder: Embedder,
        qa_factory: Callable[[Path, Embedder], QA] | None = None,
        fetcher: SafeFetcher | None = None,
        feeds_file: Path | None = None,
        stores: StoreAccess | None = None,
    ) -> None:
        """``stores`` is the configured store (local or Qdrant) the engine answers from and
        rebuilds into; without it, the local index in ``index_dir``. ``qa_factory`` makes the QA
        over the live build (a test's verifying QA, say); it is given the index folder."""
        self.corpus_dir = corpus_dir
        self.feeds_file = feeds_file or Path(FEEDS_FILE.default)
        self.index_dir = index_dir
        self.embedder = embedder
        self.fetcher = fetcher or SafeFetcher()
        self.stores = stores
        self._open = qa_factory or self._open_qa
        self._qa: QA | None = None
        self._load_lock = threading.Lock()
        self._rebuild_lock = threading.Lock()
        self.refresh_s = REFRESH_S
        self._checked = time.monotonic()

    def _open_qa(self, index_dir: Path, embedder: Embedder) -> QA:
        if self.stores is None:
            return QA.open(index_dir, embedder)
        return QA(self.stores.open(embedder.model_id, DEFAULT_CHUNKING.as_dict()), embedder)

    def qa(self) -> QA:
        """The current engine (index and model loaded on first use), reloaded when the live
        build is no longer the one it reads (checked every ``refresh_s`` seconds, by one thread
        at a time; a reload that fails is logged and the current index keeps answering)."""
        with self._load_lock:
            if self._qa is None:
                self._qa = self._open(self.index_dir, self.embedder)
                self._checked = time.monotonic()
            elif time.monotonic() - self._checked >= self.refresh_s:
                self._checked = time.monotonic()
                self._reload_if_stale()
            return self._qa

    def _reload_if_stale(self) -> None:
        """Load the live build when another process made a new one live (under the load lock)."""
        try:
            if self._qa.store.is_live():
                return
            log.info("another process made a new build live: loading it")
            self._qa = self._open(self.index_dir, self.embedder)
        except GeoqaError as exc:
            log.warning("keeping the current index; cannot load the live one: %s", exc)

    def _switch(self) -> None:
        """Answer from the build just made live."""
        fresh = self._open(self.index_dir, self.embedder)
        with self._load_lock:
            self._qa = fresh
            self._checked = time.monotonic()

    def ask(
        self, question: str, filters: Filters | None = None, context: Sequence[str] = ()
    ) -> Answer:
        """Answer from the index that is live when the question starts; ``context`` is the
        conversation's earlier questions, oldest first (see :meth:`QA.ask`)."""
        return self.qa().ask(question, filters, context=context)

    def stats(self) -> IndexStats:
        """Counts and dates of the index answering now (never loads one: call from the event
        loop freely once :meth:`qa` has run)."""
        with self._load_lock:
            qa = self._qa
        if qa is None:
            qa = self.qa()
        m = qa.store.manifest
        return IndexStats(m.articles, m.chunks, m.newest_published, m.built_at, m.model)

    @property
    def rebuilding(self) -> bool:
        """Whether a rebuild is running now."""
        return self._rebuild_lock.locked()

    def rebuild(self, progress: Progress | None = None) -> BuildReport:
        """Rebuild from the corpus and switch to the new index; one rebuild at a time."""
        if not self._rebuild_lock.acquire(blocking=False):
            raise RebuildRunning("a rebuild is already running")
        try:
            target = self.stores.target() if self.stores is not None else None
            report = build_index(
                self.corpus_dir, self.index_dir, self.embedder, target=target, progress=progress
            )
            self._switch()
            log.info("index rebuilt: %d articles, %d chunks", report.articles, report.chunks)
            return report
        finally:
            self._rebuild_lock.release()

    def sync_feeds(self, options: SyncOptions | None = None) -> SyncReport:
        """Sync the followed feeds (``feeds_file``) into the corpus, update the index once and
        switch to it; one at a time with rebuilds (questions use the old index meanwhile)."""
        if not self._rebuild_lock.acquire(blocking=False):
            raise RebuildRunning("a rebuild or sync is already running")
        try:
            report = sync_feeds(
                read_followed(self.feeds_file),
                self.corpus_dir,
                self.index_dir,
                self.fetcher,
                embedder=lambda: self.embedder,
                options=options or SyncOptions(),
                target=self.stores.target() if self.stores is not None else None,
            )
            if report.index is not None and not report.index.up_to_date:
                self._switch()
            log.info("feeds synced: %d new articles", len(report.added))
            return report
        finally:
            self._rebuild_lock.release()

    def add_url(self, url: str) -> AddReport:
        """Fetch one user-supplied URL into the corpus (never a local file), then rebuild. When
        a rebuild or sync started meanwhile, the article is in the corpus and the next rebuild
        or sync indexes it: ``report.index`` stays None."""
        report = add_sources(self.corpus_dir, [url], fetcher=self.fetcher, files=False)
        if report.added:
            try:
                report.index = self.rebuild()
            except RebuildRunning:
                log.info("added %s; a running rebuild or sync will index it", url)
        return report
