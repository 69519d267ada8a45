"""The question log: what was asked, where, whether it was answered (and if not, why), which
articles were quoted, how long it took, and the members' 👍/👎 — in SQLite beside the index.

The log lives in ``<index dir>/questions.sqlite``, outside ``builds/``, so rebuilds keep it.
It holds no user names; a Discord member is stored only as a salted hash (HMAC-SHA256) of their
id, so one member's votes can be told apart without storing who they are. The salt is 32 random
bytes in ``<index dir>/questions.salt`` (created on first use, readable by its owner only):
delete it and new hashes no longer match old ones. Every call opens its own connection, so the
log can be used from worker threads; a failed write is logged and never fails a question.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import secrets
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.answer import Answer, Quote, Source
from index import GeoqaError

log = logging.getLogger(__name__)

LOG_FILE = "questions.sqlite"
SALT_FILE = "questions.salt"
SALT_BYTES = 32
GUILD, DM, REPL, CLI = "guild", "dm", "repl", "cli"  # where a question was asked
UP, DOWN = 1, -1
SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY,
    asked_at TEXT NOT NULL,     -- UTC, ISO 8601
    channel TEXT NOT NULL,      -- guild, dm, repl or cli
    member TEXT,                -- salted hash of the Discord member id; NULL elsewhere
    question TEXT NOT NULL,     -- the user's own words
    context TEXT NOT NULL,      -- JSON list: the conversation's earlier questions
    kind TEXT NOT NULL,         -- what the question asks for (Answer.kind)
    found INTEGER NOT NULL,
    reason TEXT,                -- why it was refused (Answer.reason); NULL when found
    article_ids TEXT NOT NULL,  -- JSON list: the quoted articles
    answer TEXT NOT NULL,       -- JSON: the whole answer (lead, quotes, more, sources)
    latency_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS questions_by_time ON questions (asked_at);
CREATE TABLE IF NOT EXISTS votes (
    question_id INTEGER NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    member TEXT NOT NULL,
    vote INTEGER NOT NULL CHECK (vote IN (-1, 1)),
    voted_at TEXT NOT NULL,
    PRIMARY KEY (question_id, member)
);
"""


class LogUnavailable(GeoqaError):
    """The question log cannot be read or written (a damaged file, a full disk, …)."""


class UnknownAnswer(GeoqaError):
    """A vote or request for an answer the log does not hold."""


@dataclass(frozen=True)
class Slow:
    """One of the slowest questions."""

    question: str
    latency_ms: int
    asked_at: str


@dataclass(frozen=True)
class LogStats:
    """What ``geoqa log stats`` and ``/stats`` show."""

    questions: int
    answered: int
    per_day: list[tuple[str, int]]
    up: int
    down: int
    reasons: dict[str, int]
    slowest: list[Slow]

    @property
    def answered_share(self) -> float:
        """The share of questions answered with quotes (0.0 with no questions)."""
        return self.answered / self.questions if self.questions else 0.0


@dataclass(frozen=True)
class Unanswered:
    """A refused question, with how often it was asked (case and spacing ignored)."""

    question: str
    count: int
    last_asked: str
    reason: str | None


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def answer_to_json(answer: Answer) -> str:
    """The answer as JSON (every field)."""
    return json.dumps(dataclasses.asdict(answer), ensure_ascii=False)


def answer_from_json(text: str) -> Answer:
    """An answer stored by :func:`answer_to_json`."""
    data = json.loads(text)
    return Answer(
        **{
            **data,
            "quotes": [Quote(**q) for q in data["quotes"]],
            "more": [Quote(**q) for q in data.get("more", [])],
            "sources": [Source(**s) for s in data["sources"]],
        }
    )


class QuestionLog:
    """The question log of one index folder (see the module docstring)."""

    def __init__(self, path: Path, salt_path: Path, clock: Callable[[], str] = _now) -> None:
        self.path = path
        self.salt_path = salt_path
        self._clock = clock
        self._salt: bytes | None = None
        self._ready = False
        self._lock = threading.Lock()
        self._salt_lock = threading.Lock()

    @classmethod
    def beside(cls, index_dir: Path) -> QuestionLog:
        """The log of the index in ``index_dir``: ``questions.sqlite`` and ``questions.salt``."""
        return cls(index_dir / LOG_FILE, index_dir / SALT_FILE)

    # --- writing -------------------------------------------------------------------------

    @contextlib.contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        if not self._ready:
            with self._lock:
                if not self._ready:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                    with contextlib.closing(self._connect()) as db, db:
                        db.execute("PRAGMA journal_mode=WAL")
                        db.executescript(SCHEMA)
                        db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
                    self._ready = True
        try:
            with contextlib.closing(self._connect()) as db, db:
                yield db
        except (sqlite3.Error, OSError) as exc:
            raise LogUnavailable(f"the question log {self.path} cannot be written: {exc}") from None

    def _connect(self, readonly: bool = False) -> sqlite3.Connection:
        if readonly:
            db = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)
        else:
            db = sqlite3.connect(self.path, timeout=10)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA foreign_keys=ON")
        return db

    def record(
        self,
        answer: Answer,
        *,
        channel: str,
        latency_s: float,
        member_id: int | None = None,
        context: Sequence[str] = (),
    ) -> int | None:
        """Log one answered (or refused) question; its id, or None when the write failed (a
        failure is logged and never fails the question)."""
        article_ids = list(dict.fromkeys(q.article_id for q in answer.quotes))
        try:
            row = (
                self._clock(),
                channel,
                None if member_id is None else self.member_key(member_id),
                answer.question,
                json.dumps(list(context), ensure_ascii=False),
                answer.kind,
                int(answer.found),
                answer.reason,
                json.dumps(article_ids),
                answer_to_json(answer),
                round(latency_s * 1000),
            )
            with self._writing() as db:
                cursor = db.execute(
                    "INSERT INTO questions (asked_at, channel, member, question, context, kind,"
                    " found, reason, article_ids, answer, latency_ms)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    row,
                )
                return cursor.lastrowid
        except (LogUnavailable, sqlite3.Error, OSError) as exc:
            log.warning("question not logged (%s): %s", self.path, exc)
            return None

    def vote(self, question_id: int, member_id: int, vote: int) -> int | None:
        """Store a member's vote (``UP`` or ``DOWN``) on an answer, replacing their earlier
        one; returns the earlier vote (None if this is the first). Raises
        :class:`UnknownAnswer` for an answer the log does not hold."""
        member = self.member_key(member_id)
        with self._writing() as db:
            if (
                db.execute("SELECT 1 FROM questions WHERE id = ?", (question_id,)).fetchone()
                is None
            ):
                raise UnknownAnswer(f"answer {question_id} is not in the question log")
            before = db.execute(
                "SELECT vote FROM votes WHERE question_id = ? AND member = ?",
                (question_id, member),
            ).fetchone()
            db.execute(
                "INSERT INTO votes (question_id, member, vote, voted_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (question_id, member) DO UPDATE"
                " SET vote = excluded.vote, voted_at = excluded.voted_at",
                (question_id, member, vote, self._clock()),
            )
        return None if before is None else before["vote"]

    def member_key(self, member_id: int) -> str:
        """The salted hash that stands for a member in the log."""
        try:
            salt = self._load_salt()
        except OSError as exc:
            raise LogUnavailable(f"the question log's salt {self.salt_path}: {exc}") from None
        return hmac.new(salt, str(member_id).encode(), hashlib.sha256).hexdigest()[:32]

    def _load_salt(self) -> bytes:
        with self._salt_lock:  # worker threads may ask for it at once on a fresh install
            if self._salt is None:
                if not self.salt_path.exists():
                    self._create_salt()
                salt = self.salt_path.read_bytes()
                if len(salt) != SALT_BYTES:
                    raise OSError(f"{self.salt_path} holds {len(salt)} bytes, not {SALT_BYTES}")
                self._salt = salt
            return self._salt

    def _create_salt(self) -> None:
        """Write a new salt atomically, readable by its owner only; a salt written meanwhile by
        another process wins (the file is linked into place only when whole)."""
        self.salt_path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{self.salt_path.name}.", dir=self.salt_path.parent)
        tmp = Path(name)
        try:
            with os.fdopen(fd, "wb") as out:  # mkstemp creates it readable by its owner only
                out.write(secrets.token_bytes(SALT_BYTES))
                out.flush()
                os.fsync(out.fileno())
            os.link(tmp, self.salt_path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)

    # --- reading -------------------------------------------------------------------------

    @contextlib.contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection | None]:
        """A read-only connection, or None when nothing was logged yet (nothing is created)."""
        if not self.path.exists():
            yield None
            return
        try:
            with contextlib.closing(self._connect(readonly=True)) as db:
                yield db
        except (sqlite3.Error, OSError) as exc:
            raise LogUnavailable(f"the question log {self.path} cannot be read: {exc}") from None

    def answer(self, question_id: int) -> Answer | None:
        """The logged answer ``question_id`` (None if the log does not hold it)."""
        with self._reading() as db:
            if db is None:
                return None
            row = db.execute("SELECT answer FROM questions WHERE id = ?", (question_id,)).fetchone()
        return None if row is None else answer_from_json(row["answer"])

    def stats(self, since: dt.date | None = None, slowest: int = 5) -> LogStats:
        """Questions per day, the answered share, the votes, refusal reasons and the slowest
        questions, from ``since`` (a day, inclusive) on."""
        empty = LogStats(0, 0, [], 0, 0, {}, [])
        where, args = ("WHERE asked_at >= ?", (since.isoformat(),)) if since else ("", ())
        with self._reading() as db:
            if db is None:
                return empty
            total, answered = db.execute(
                f"SELECT COUNT(*), COALESCE(SUM(found), 0) FROM questions {where}", args
            ).fetchone()
            per_day = db.execute(
                f"SELECT substr(asked_at, 1, 10) AS day, COUNT(*) FROM questions {where}"
                " GROUP BY day ORDER BY day",
                args,
            ).fetchall()
            votes = dict(
                db.execute(
                    "SELECT vote, COUNT(*) FROM votes JOIN questions ON questions.id = question_id"
                    f" {where} GROUP BY vote",
                    args,
                ).fetchall()
            )
            reasons = db.execute(
                f"SELECT reason, COUNT(*) FROM questions {where}"
                f" {'AND' if where else 'WHERE'} NOT found GROUP BY reason ORDER BY 2 DESC",
                args,
            ).fetchall()
            slow = db.execute(
                f"SELECT question, latency_ms, asked_at FROM questions {where}"
                " ORDER BY latency_ms DESC, id LIMIT ?",
                (*args, slowest),
            ).fetchall()
        return LogStats(
            questions=total,
            answered=answered,
            per_day=[(day, n) for day, n in per_day],
            up=votes.get(UP, 0),
            down=votes.get(DOWN, 0),
            reasons={reason or "unknown": n for reason, n in reasons},
            slowest=[Slow(*row) for row in slow],
        )

    def unanswered(self, limit: int = 20) -> list[Unanswered]:
        """The refused questions, most often asked first (then the most recent): what the
        corpus lacks."""
        with self._reading() as db:
            if db is None:
                return []
            rows = db.execute(
                "SELECT question, asked_at, reason FROM questions WHERE NOT found ORDER BY id"
            ).fetchall()
        groups: dict[str, list[sqlite3.Row]] = {}
        for row in rows:
            key = " ".join(row["question"].lower().split()).rstrip("?!. ")
            groups.setdefault(key, []).append(row)
        found = [
            Unanswered(last["question"], len(group), last["asked_at"], last["reason"])
            for group in groups.values()
            for last in [group[-1]]
        ]
        found.sort(key=lambda u: u.last_asked, reverse=True)
        found.sort(key=lambda u: u.count, reverse=True)  # stable: most recent first among equals
        return found[:limit]

    def export(self) -> Iterator[dict]:
        """Every logged question as a dict for a JSON line (no member hashes): to grow an
        evaluation set from what users really ask."""
        with self._reading() as db:
            if db is None:
                return
            votes = {
                (row["question_id"], row["vote"]): row["n"]
                for row in db.execute(
                    "SELECT question_id, vote, COUNT(*) AS n FROM votes GROUP BY question_id, vote"
                )
            }
            for row in db.execute("SELECT * FROM questions ORDER BY id"):
                answer = json.loads(row["answer"])
                yield {
                    "id": row["id"],
                    "asked_at": row["asked_at"],
                    "channel": row["channel"],
                    "question": row["question"],
                    "context": json.loads(row["context"]),
                    "kind": row["kind"],
                    "found": bool(row["found"]),
                    "reason": row["reason"],
                    "article_ids": json.loads(row["article_ids"]),
                    "lead": answer["lead"],
                    "quotes": answer["quotes"],
                    "latency_ms": row["latency_ms"],
                    "up": votes.get((row["id"], UP), 0),
                    "down": votes.get((row["id"], DOWN), 0),
                }
