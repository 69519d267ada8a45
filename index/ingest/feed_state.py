"""What syncing remembers about each followed feed, in the index folder (``feeds.sqlite``, next to
the builds, not inside one): the validators for conditional requests (and a hash of the last
feed body, for servers without them), when it was last read and
last gave an article, its consecutive failures and back-off, the entries it already gave (so an
unchanged entry is never fetched twice), entries that keep failing, and whether the corpus
changed since the index was last updated. Each change is one SQLite transaction."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from index.ingest.fetch import Validators
from index.ingest.urls import normalize_url

STATE_FILE = "feeds.sqlite"
BACKOFF_BASE = dt.timedelta(minutes=10)
BACKOFF_MAX = dt.timedelta(hours=24)
ENTRY_TRIES = 3  # an entry whose page failed this often is no longer fetched
ENTRY_HANDLED = ("added", "duplicate")
SCHEMA = """
CREATE TABLE IF NOT EXISTS feeds (
    url TEXT PRIMARY KEY,
    etag TEXT,
    last_modified TEXT,
    last_fetch TEXT,
    last_status TEXT,
    last_new TEXT,
    last_new_title TEXT,
    added INTEGER NOT NULL DEFAULT 0,
    failures INTEGER NOT NULL DEFAULT 0,
    backoff_until TEXT,
    last_error TEXT,
    body_hash TEXT
);
CREATE TABLE IF NOT EXISTS entries (
    feed TEXT NOT NULL,
    url TEXT NOT NULL,
    status TEXT NOT NULL,
    tries INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    updated TEXT NOT NULL,
    PRIMARY KEY (feed, url)
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
INDEX_PENDING = "index_pending"


def stamp(when: dt.datetime) -> str:
    """A UTC time as ISO 8601 to the second (``2025-10-05T08:30:00Z``)."""
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_stamp(text: str | None) -> dt.datetime | None:
    """The time of a :func:`stamp` (None for None)."""
    return dt.datetime.fromisoformat(text) if text else None


def backoff(failures: int) -> dt.timedelta:
    """How long a feed rests after ``failures`` consecutive failures: 10 minutes, doubling, at
    most a day."""
    return min(BACKOFF_BASE * 2 ** max(failures - 1, 0), BACKOFF_MAX)


@dataclass(frozen=True)
class FeedState:
    """What is remembered about one feed (all times UTC :func:`stamp` strings)."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    last_fetch: str | None = None
    last_status: str | None = None  # ok, not_modified, unchanged or failed
    last_new: str | None = None  # when it last gave a new article
    last_new_title: str | None = None
    added: int = 0  # articles it gave, in all
    failures: int = 0  # consecutive
    backoff_until: str | None = None
    last_error: str | None = None
    body_hash: str | None = None  # sha256 of the last feed body whose entries were all handled

    @property
    def validators(self) -> Validators:
        """The validators to send with the next request."""
        return Validators(self.etag, self.last_modified)

    def backing_off(self, now: dt.datetime) -> bool:
        """Whether the feed is resting after failures at ``now``."""
        until = parse_stamp(self.backoff_until)
        return until is not None and now < until

    def read(
        self, now: dt.datetime, status: str, validators: Validators, body_hash: str | None
    ) -> FeedState:
        """The state after the feed was read (``ok``, ``not_modified`` or ``unchanged``)."""
        return dataclasses.replace(
            self,
            etag=validators.etag,
            last_modified=validators.last_modified,
            body_hash=body_hash,
            last_fetch=stamp(now),
            last_status=status,
            failures=0,
            backoff_until=None,
            last_error=None,
        )

    def gave(self, now: dt.datetime, titles: list[str]) -> FeedState:
        """The state after the feed gave new articles (the last one named)."""
        if not titles:
            return self
        return dataclasses.replace(
            self, last_new=stamp(now), last_new_title=titles[-1], added=self.added + len(titles)
        )

    def failed(self, now: dt.datetime, reason: str) -> FeedState:
        """The state after a failed read: one more failure and a longer rest."""
        failures = self.failures + 1
        return dataclasses.replace(
            self,
            last_fetch=stamp(now),
            last_status="failed",
            failures=failures,
            backoff_until=stamp(now + backoff(failures)),
            last_error=reason,
        )

    def as_json(self) -> dict:
        """The state as a JSON-ready object (without the validators and key)."""
        return {
            "last_fetch": self.last_fetch,
            "last_status": self.last_status,
            "last_new": self.last_new,
            "last_new_title": self.last_new_title,
            "added": self.added,
            "failures": self.failures,
            "backoff_until": self.backoff_until,
            "last_error": self.last_error,
        }


def feed_key(url: str) -> str:
    """The key a feed's state is kept under: its normalized URL."""
    return normalize_url(url)


class FeedStates:
    """The state store of one index folder; open it for one sync (or one listing) and close it.
    With ``create=False`` a store that does not exist yet is read as empty and not created."""

    FIELDS = tuple(f.name for f in dataclasses.fields(FeedState))

    def __init__(self, index_dir: Path, *, create: bool = True) -> None:
        self.path = index_dir / STATE_FILE
        if create:
            index_dir.mkdir(parents=True, exist_ok=True)
        elif not self.path.is_file():
            self._db = sqlite3.connect(":memory:")  # nothing remembered yet: an empty store
            self._db.executescript(SCHEMA)
            return
        self._db = sqlite3.connect(self.path, timeout=30)
        self._db.execute("PRAGMA synchronous=FULL")
        with self._db:
            self._db.executescript(SCHEMA)

    def __enter__(self) -> FeedStates:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def get(self, url: str) -> FeedState:
        """The state of the feed at ``url`` (a fresh one when it was never read)."""
        key = feed_key(url)
        row = self._db.execute(
            f"SELECT {', '.join(self.FIELDS)} FROM feeds WHERE url = ?", (key,)
        ).fetchone()
        return FeedState(*row) if row else FeedState(key)

    def save(self, state: FeedState) -> None:
        """Store a feed's state (one transaction)."""
        values = dataclasses.astuple(state)
        marks = ", ".join("?" for _ in values)
        with self._db:
            self._db.execute(
                f"INSERT OR REPLACE INTO feeds ({', '.join(self.FIELDS)}) VALUES ({marks})", values
            )

    def forget(self, url: str) -> None:
        """Drop everything remembered about a feed."""
        key = feed_key(url)
        with self._db:
            self._db.execute("DELETE FROM feeds WHERE url = ?", (key,))
            self._db.execute("DELETE FROM entries WHERE feed = ?", (key,))

    def entries(self, url: str) -> dict[str, tuple[str, int]]:
        """The remembered entries of a feed: entry URL → (status, failed tries)."""
        rows = self._db.execute(
            "SELECT url, status, tries FROM entries WHERE feed = ?", (feed_key(url),)
        )
        return {entry: (status, tries) for entry, status, tries in rows}

    def note_entry(
        self, url: str, entry: str, status: str, now: dt.datetime, error: str | None = None
    ) -> None:
        """Remember what happened to an entry: ``added``, ``duplicate`` or ``failed`` (which
        counts one more try)."""
        with self._db:
            self._db.execute(
                "INSERT INTO entries (feed, url, status, tries, last_error, updated)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (feed, url) DO UPDATE SET"
                " status = excluded.status, last_error = excluded.last_error,"
                " updated = excluded.updated,"
                " tries = CASE WHEN excluded.status = 'failed' THEN tries + 1 ELSE 0 END",
                (feed_key(url), entry, status, int(status == "failed"), error, stamp(now)),
            )

    def keep_entries(self, url: str, entries: set[str]) -> None:
        """Forget a feed's entries that are no longer in it (keeps the store the feed's size)."""
        key = feed_key(url)
        known = set(self.entries(url))
        gone = [(key, e) for e in known - entries]
        if gone:
            with self._db:
                self._db.executemany("DELETE FROM entries WHERE feed = ? AND url = ?", gone)

    @property
    def index_pending(self) -> bool:
        """Whether the corpus may have changed since the index was last updated by a sync."""
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (INDEX_PENDING,)).fetchone()
        return row is not None and row[0] == "1"

    def set_index_pending(self, pending: bool) -> None:
        """Note (before changing the corpus) or clear (after updating the index) that the index
        lags the corpus."""
        with self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                (INDEX_PENDING, "1" if pending else "0"),
            )
