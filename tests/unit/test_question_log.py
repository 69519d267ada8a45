"""The question log: SQLite beside the index, members only as salted hashes, votes once per
member and answer, and the summaries admins read."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import stat
from itertools import count

import pytest

from bot.answer import NOT_COVERED, NOT_MENTIONED, Answer, Quote, Source
from bot.questionlog import CLI, DM, DOWN, GUILD, UP, QuestionLog, UnknownAnswer
from index import build_index

SOURCE = Source(1, "seed", "A Title", "CCN", "https://x.example/a", "2024-12-12")
QUOTE = Quote(1, "Brazil, India, South Africa, China", "seed", 10, 44, 0.81)
MORE = Quote(1, "Russia must participate on equal terms.", "seed", 50, 89, 0.7)
MEMBER, OTHER = 400000000000000001, 400000000000000002


def found(question="Who is in the AI Alliance Network?") -> Answer:
    return Answer(question, True, "Brazil [1]", [QUOTE], [SOURCE], more=[MORE], kind="list")


def refused(question: str, reason: str = NOT_COVERED) -> Answer:
    return Answer(question, False, "Not covered.", [], [SOURCE], kind="other", reason=reason)


def day_clock(*days: str):
    """A clock giving each call the next of ``days`` (at noon, UTC)."""
    it = iter(days)
    return lambda: f"{next(it)}T12:00:00+00:00"


def test_a_logged_answer_can_be_read_back_whole(tmp_path):
    log = QuestionLog.beside(tmp_path)
    qid = log.record(found(), channel=GUILD, latency_s=0.25, member_id=MEMBER, context=["Hi?"])
    assert log.answer(qid) == found()
    assert log.answer(qid + 1) is None
    (row,) = log.export()
    assert row["question"] == found().question and row["context"] == ["Hi?"]
    assert row["channel"] == GUILD and row["kind"] == "list" and row["found"] is True
    assert row["article_ids"] == ["seed"] and row["latency_ms"] == 250
    assert row["quotes"][0]["text"] == QUOTE.text and row["reason"] is None


def test_members_are_stored_only_as_salted_hashes(tmp_path):
    log = QuestionLog.beside(tmp_path)
    log.record(found(), channel=GUILD, latency_s=0.1, member_id=MEMBER)
    raw = (tmp_path / "questions.sqlite").read_bytes()
    assert str(MEMBER).encode() not in raw
    salt = tmp_path / "questions.salt"
    assert stat.S_IMODE(salt.stat().st_mode) == 0o600 and len(salt.read_bytes()) == 32
    assert log.member_key(MEMBER) == QuestionLog.beside(tmp_path).member_key(MEMBER)
    assert log.member_key(MEMBER) != log.member_key(OTHER)
    elsewhere = QuestionLog.beside(tmp_path / "other")
    assert elsewhere.member_key(MEMBER) != log.member_key(MEMBER)  # another salt
    with sqlite3.connect(tmp_path / "questions.sqlite") as db:
        (member,) = db.execute("SELECT member FROM questions").fetchone()
    assert member == log.member_key(MEMBER)
    assert all("member" not in row for row in log.export())


def test_a_vote_is_stored_once_per_member_and_can_be_changed(tmp_path):
    log = QuestionLog.beside(tmp_path)
    qid = log.record(found(), channel=GUILD, latency_s=0.1)
    assert log.vote(qid, MEMBER, UP) is None
    assert log.vote(qid, MEMBER, UP) == UP
    assert log.vote(qid, MEMBER, DOWN) == UP  # changed
    assert log.vote(qid, OTHER, DOWN) is None
    stats = log.stats()
    assert (stats.up, stats.down) == (0, 2)
    (row,) = log.export()
    assert (row["up"], row["down"]) == (0, 2)
    try:
        log.vote(qid + 1, MEMBER, UP)
    except UnknownAnswer as exc:
        assert "not in the question log" in str(exc)
    else:
        raise AssertionError("a vote on an unknown answer was accepted")


def test_stats_count_questions_per_day_the_answered_share_and_the_slowest(tmp_path):
    log = QuestionLog(
        tmp_path / "q.sqlite",
        tmp_path / "salt",
        clock=day_clock("2025-01-01", "2025-01-01", "2025-01-02", "2025-01-03"),
    )
    log.record(found(), channel=GUILD, latency_s=0.2)
    log.record(refused("Capital of Australia?"), channel=DM, latency_s=1.5)
    log.record(found("Who joined?"), channel=CLI, latency_s=0.1)
    log.record(refused("Who is Zorblax?", NOT_MENTIONED), channel=GUILD, latency_s=0.3)
    stats = log.stats(slowest=2)
    assert stats.questions == 4 and stats.answered == 2 and stats.answered_share == 0.5
    assert stats.per_day == [("2025-01-01", 2), ("2025-01-02", 1), ("2025-01-03", 1)]
    assert stats.reasons == {NOT_COVERED: 1, NOT_MENTIONED: 1}
    assert [(s.question, s.latency_ms) for s in stats.slowest] == [
        ("Capital of Australia?", 1500),
        ("Who is Zorblax?", 300),
    ]
    recent = log.stats(since=dt.date(2025, 1, 2))
    assert recent.questions == 2 and recent.per_day[0] == ("2025-01-02", 1)


def test_unanswered_lists_refused_questions_most_frequent_first(tmp_path):
    days = (f"2025-02-{d:02}" for d in count(1))
    log = QuestionLog(tmp_path / "q.sqlite", tmp_path / "salt", clock=lambda: next(days))
    for question in [
        "What is the capital of Australia?",
        "Who leads the Kestrel project?",
        "what is the capital of  Australia",
        "Who won the 2030 chip race?",
    ]:
        log.record(refused(question), channel=GUILD, latency_s=0.1)
    log.record(found(), channel=GUILD, latency_s=0.1)
    listed = log.unanswered()
    assert [(u.question, u.count) for u in listed] == [
        ("what is the capital of  Australia", 2),
        ("Who won the 2030 chip race?", 1),
        ("Who leads the Kestrel project?", 1),
    ]
    assert listed[0].reason == NOT_COVERED and listed[0].last_asked == "2025-02-03"
    assert len(log.unanswered(limit=1)) == 1


def test_reading_a_log_that_does_not_exist_creates_nothing(tmp_path):
    log = QuestionLog.beside(tmp_path / "index")
    assert log.stats().questions == 0 and log.unanswered() == [] and list(log.export()) == []
    assert log.answer(1) is None
    assert not (tmp_path / "index").exists()


def test_a_failed_write_is_logged_and_never_fails_the_question(tmp_path, caplog):
    (tmp_path / "questions.sqlite").mkdir()  # not a database
    log = QuestionLog.beside(tmp_path)
    assert log.record(found(), channel=GUILD, latency_s=0.1) is None
    assert "question not logged" in caplog.text


def test_rebuilding_the_index_keeps_the_log(fake_index_copy, corpus_dir, fake_embedder):
    log = QuestionLog.beside(fake_index_copy)
    qid = log.record(found(), channel=GUILD, latency_s=0.1)
    before = (fake_index_copy / "CURRENT").read_text()
    build_index(corpus_dir, fake_index_copy, fake_embedder)
    assert (fake_index_copy / "CURRENT").read_text() != before  # a new build is live
    assert log.answer(qid) == found()
    assert json.loads(json.dumps(list(log.export())))[0]["id"] == qid


def test_worker_threads_asking_for_the_salt_at_once_share_one(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    log = QuestionLog.beside(tmp_path)
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: log.member_key(42), range(32)))
    assert len(keys) == 1 and len((tmp_path / "questions.salt").read_bytes()) == 32
    assert QuestionLog.beside(tmp_path).member_key(42) in keys  # and it survives a restart


def test_a_damaged_log_is_a_domain_error_not_a_traceback(tmp_path):
    from bot.questionlog import LogUnavailable

    (tmp_path / "questions.sqlite").write_bytes(b"this is not a database" * 100)
    log = QuestionLog.beside(tmp_path)
    with pytest.raises(LogUnavailable, match="questions.sqlite"):
        log.stats()
    assert log.record(found(), channel=CLI, latency_s=0.1) is None  # a question still goes on
