"""One sync of the followed feeds: read each feed once (conditionally, unless it is resting after
failures), add the entries the corpus lacks with the same checks as ``add``, then update the
index once.

Politeness: a feed answers 304 when it has not changed since the last read (its ETag and
Last-Modified are remembered), and a feed body identical to the last one is not parsed again; a
failing feed rests for a while, longer after each failure; at most ``max_entries`` pages are
fetched per feed per sync (the newest; the rest wait for the next sync); entries older than
``max_age`` are skipped; an entry once handled is never fetched again, and one whose page failed
three times is given up.

Crash safety: articles are written atomically one by one (:mod:`index.ingest.corpus`) and the
index is published atomically (:mod:`index.store.layout`). Before the first article of a sync is
written, the state store notes that the index lags the corpus; the note is cleared only once the
index was updated, so a sync killed in between is finished by the next one (or by
``geoqa index build``). A feed's validators (and body hash) are stored only once all its entries
were handled, so a killed or capped sync reads the whole feed again next time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from index.articles.model import Article
from index.articles.readers import read_article
from index.errors import BadArticle, GeoqaError, Rejected
from index.ingest.feed_state import ENTRY_HANDLED, ENTRY_TRIES, FeedState, FeedStates
from index.ingest.feeds import Entry, feed_entries
from index.ingest.fetch import FEED, FetchError, SafeFetcher, Validators
from index.ingest.followed import Feed
from index.ingest.ingester import Added, Duplicate, Failed, Ingester, Outcome
from index.ingest.urls import normalize_url
from index.util import exclusive

if TYPE_CHECKING:
    from index.build.builder import BuildReport
    from index.embedders.cache import Progress
    from index.embedders.protocol import Embedder
    from index.store.protocol import BuildTarget

log = logging.getLogger(__name__)

SYNC_LOCK = ".sync.lock"
DEFAULT_MAX_ENTRIES = 20
Clock = Callable[[], dt.datetime]


class SyncRunning(GeoqaError):
    """Another sync of the same index folder is running."""


def utc_now() -> dt.datetime:
    """The current time, in UTC."""
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class SyncOptions:
    """How much one sync takes: pages fetched per feed, the oldest entry taken, whether resting
    feeds are read anyway, and whether the index is updated at the end."""

    max_entries: int = DEFAULT_MAX_ENTRIES
    max_age: dt.timedelta | None = None
    force: bool = False
    update_index: bool = True


@dataclass
class FeedResult:
    """What one sync did with one feed."""

    name: str
    url: str
    # ok; not_modified (a 304) or unchanged (the same bytes as the last complete read): nothing
    # to look at; failed (the feed itself); backing_off (resting after failures, not asked)
    status: str = "ok"
    added: list[Added] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    failed: list[Failed] = field(default_factory=list)  # entries whose page failed
    skipped: dict[str, int] = field(default_factory=dict)  # no_match, too_old, no_link, given_up
    left: int = 0  # new entries over the cap, left for the next sync
    error: str | None = None  # why the feed itself could not be read
    backoff_until: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the feed was read and every page it led to was added or already there."""
        return self.status != "failed" and not self.failed

    def record(self, outcome: Outcome) -> None:
        """Note an outcome of the ingester."""
        if isinstance(outcome, Added):
            self.added.append(outcome)
        elif isinstance(outcome, Duplicate):
            self.duplicates.append(outcome)
        else:
            self.failed.append(outcome)

    def skip(self, why: str) -> None:
        """Count an entry not taken, and why."""
        self.skipped[why] = self.skipped.get(why, 0) + 1

    def as_json(self) -> dict:
        """The feed's result as one JSON-ready object."""
        return {
            "name": self.name,
            "url": self.url,
            "status": self.status,
            "new": [{"url": a.url, "path": a.path, "title": a.title} for a in self.added],
            "duplicates": len(self.duplicates),
            "failed": [{"url": f.url, "reason": f.reason} for f in self.failed],
            "not_modified": self.status in ("not_modified", "unchanged"),
            "skipped": dict(sorted(self.skipped.items())),
            "left_for_next_sync": self.left,
            "error": self.error,
            "backoff_until": self.backoff_until,
        }


@dataclass
class SyncReport:
    """What a sync did: one result per feed, and the index update (None when none was needed)."""

    feeds: list[FeedResult] = field(default_factory=list)
    index: BuildReport | None = None

    @property
    def added(self) -> list[Added]:
        """Every article added, feed by feed."""
        return [a for f in self.feeds for a in f.added]

    @property
    def failed(self) -> bool:
        """Whether any feed could not be read or any page it led to failed."""
        return any(not f.ok for f in self.feeds)

    def as_json(self) -> dict:
        """The report as one JSON-ready object (``--json``)."""
        return {
            "feeds": [f.as_json() for f in self.feeds],
            "added": len(self.added),
            "failed": self.failed,
            "index": self.index.as_json() if self.index is not None else None,
        }


@contextmanager
def sync_lock(index_dir: Path) -> Iterator[None]:
    """Hold the index folder's sync lock; a second concurrent sync fails at once."""
    with exclusive(index_dir / SYNC_LOCK, SyncRunning(f"another sync of {index_dir} is running")):
        yield


def sync_feeds(
    feeds: Sequence[Feed],
    corpus_dir: Path,
    index_dir: Path,
    fetcher: SafeFetcher,
    *,
    embedder: Callable[[], Embedder] | None = None,
    options: SyncOptions = SyncOptions(),
    clock: Clock = utc_now,
    progress: Progress | None = None,
    notify: Callable[[FeedResult], None] | None = None,
    target: BuildTarget | None = None,
) -> SyncReport:
    """Read every feed once, add what the corpus lacks, then (with ``embedder``, called only
    when the index must be updated, and ``options.update_index``) update the index once, into
    ``target`` (the configured store; default the local index in ``index_dir``).

    ``notify`` is called with each feed's result as soon as the feed is done. Feeds that fail
    are reported in their result; they never stop the others.
    """
    report = SyncReport()
    with sync_lock(index_dir), FeedStates(index_dir) as states:
        ingester = Ingester(corpus_dir, fetcher, files=False)
        for feed in feeds:
            result = FeedSync(feed, ingester, states, options, clock).run()
            report.feeds.append(result)
            if notify is not None:
                notify(result)
        if embedder is not None and options.update_index and states.index_pending:
            from index.build.builder import build_index  # imported here: loads faiss

            report.index = build_index(
                corpus_dir, index_dir, embedder(), if_stale=True, progress=progress, target=target
            )
            states.set_index_pending(False)
    return report


def added_articles(report: SyncReport) -> list[Article]:
    """The articles a sync added, read back from their files (any removed since left out)."""
    articles = []
    for added in report.added:
        path = Path(added.path)
        try:
            articles.append(read_article(path, path.parent))
        except BadArticle as exc:
            log.info("added article no longer readable: %s", exc)
    return articles


class FeedSync:
    """Reading one feed and adding its new entries, remembering what happened."""

    def __init__(
        self,
        feed: Feed,
        ingester: Ingester,
        states: FeedStates,
        options: SyncOptions,
        clock: Clock,
    ) -> None:
        self.feed = feed
        self.ingester = ingester
        self.states = states
        self.options = options
        self.clock = clock
        self.result = FeedResult(feed.name, feed.url)

    def run(self) -> FeedResult:
        """Sync the feed; its result."""
        state = self.states.get(self.feed.url)
        if not self.options.force and state.backing_off(self.clock()):
            log.info("feed %s rests after failures until %s", self.feed.name, state.backoff_until)
            self.result.status, self.result.backoff_until = "backing_off", state.backoff_until
            return self.result
        try:
            fetched = self.ingester.fetcher.fetch(self.feed.url, FEED, validators=state.validators)
            validators = state.validators.updated(fetched.validators)
            if fetched.not_modified:
                self._read(state, "not_modified", validators, state.body_hash)
                return self.result
            body_hash = hashlib.sha256(fetched.data).hexdigest()
            if body_hash == state.body_hash:  # the same bytes as the last complete read
                self._read(state, "unchanged", validators, body_hash)
                return self.result
            entries = feed_entries(fetched)
        except (FetchError, Rejected) as exc:
            self._failed(state, exc.reason)
            return self.result
        if self._take(entries):
            self._read(state, "ok", fetched.validators, body_hash)
        else:  # entries left over or failed: the next sync reads the whole feed again
            self._read(state, "ok", Validators(), None)
        return self.result

    def _take(self, entries: list[Entry]) -> bool:
        """Add the entries the corpus lacks; whether every entry was handled (none left over
        by the cap, none failed)."""
        remembered = self.states.entries(self.feed.url)
        keyed = [(e, normalize_url(e.link) if e.link else "") for e in entries]
        candidates = self._candidates(keyed, remembered)
        cap = self.options.max_entries
        if len(candidates) > cap:
            self.result.left = len(candidates) - cap
            candidates = candidates[-cap:]  # the newest; entries are oldest first
        if candidates and not self.states.index_pending:
            self.states.set_index_pending(True)  # before the corpus changes
        self.ingester.notify = self.result.record
        try:
            for entry, key in candidates:
                added, failed = len(self.result.added), len(self.result.failed)
                self.ingester.add_url(entry.link, source=self.feed.source)
                self._note(key, len(self.result.added) > added, self.result.failed[failed:])
        finally:
            self.ingester.notify = None
        self.states.keep_entries(self.feed.url, {key for _, key in keyed if key})
        return not self.result.left and not self.result.failed

    def _candidates(
        self, keyed: list[tuple[Entry, str]], remembered: dict[str, tuple[str, int]]
    ) -> list[tuple[Entry, str]]:
        """The entries to fetch, oldest first, with their keys; the others counted."""
        oldest = self.clock() - self.options.max_age if self.options.max_age else None
        refreshed = False
        candidates = []
        for entry, key in keyed:
            if entry.link is None:
                self.result.skip("no_link")
                continue
            if not self.feed.matches(entry):
                self.result.skip("no_match")
                continue
            if oldest is not None and entry.published is not None and entry.published < oldest:
                self.result.skip("too_old")
                continue
            status, tries = remembered.get(key, ("", 0))
            if status in ENTRY_HANDLED:
                self.result.duplicates.append(Duplicate(entry.link, ""))
                continue
            if status == "failed" and tries >= ENTRY_TRIES:
                self.result.skip("given_up")
                continue
            if not refreshed:  # the corpus is read only when some entry is not remembered
                self.ingester.known.refresh()
                refreshed = True
            held = self.ingester.known.holding([entry.link])
            if held is not None:
                self.result.duplicates.append(Duplicate(entry.link, held))
                self.states.note_entry(self.feed.url, key, "duplicate", self.clock())
                continue
            candidates.append((entry, key))
        return candidates

    def _note(self, key: str, added: bool, failures: list[Failed]) -> None:
        """Remember how an entry's fetch ended."""
        if failures:
            reason = failures[-1].reason
            self.states.note_entry(self.feed.url, key, "failed", self.clock(), reason)
        else:
            status = "added" if added else "duplicate"
            self.states.note_entry(self.feed.url, key, status, self.clock())

    def _read(
        self, state: FeedState, status: str, validators: Validators, body_hash: str | None
    ) -> None:
        now = self.clock()
        self.result.status = status
        titles = [a.title for a in self.result.added]
        self.states.save(state.read(now, status, validators, body_hash).gave(now, titles))
        log.info(
            "feed %s: %s, %d new, %d already there",
            self.feed.name,
            status,
            len(self.result.added),
            len(self.result.duplicates),
        )

    def _failed(self, state: FeedState, reason: str) -> None:
        new = state.failed(self.clock(), reason)
        self.states.save(new)
        self.result.status, self.result.error = "failed", reason
        self.result.backoff_until = new.backoff_until
        log.info("feed %s failed: %s (resting until %s)", self.feed.name, reason, new.backoff_until)
