"""``geoqa log stats|unanswered|export`` and ``geoqa ask --log``, in process, over a log written
as the bot writes it."""

from __future__ import annotations

import json

from click.testing import CliRunner

from bot.answer import NOT_COVERED, NOT_MENTIONED, Answer, Quote, Source
from bot.cli import cli
from bot.questionlog import DM, DOWN, GUILD, UP, QuestionLog

SOURCE = Source(1, "seed", "A Title", "CCN", "https://x.example/a", "2024-12-12")
QUOTE = Quote(1, "Brazil, India, South Africa, China", "seed", 10, 44, 0.81)


def geoqa(*args, env=None, embedder=None):
    result = CliRunner().invoke(cli, list(args), env=env or {}, obj={"embedder": embedder})
    return result


def refused(question, reason=NOT_COVERED):
    return Answer(question, False, "Not covered.", [], [SOURCE], reason=reason)


def fill(index_dir) -> QuestionLog:
    log = QuestionLog.beside(index_dir)
    answered = log.record(
        Answer("Who is in it?", True, "Brazil [1]", [QUOTE], [SOURCE], kind="list"),
        channel=GUILD,
        latency_s=0.2,
        member_id=1,
    )
    log.vote(answered, 1, UP)
    log.vote(answered, 2, DOWN)
    for question in ["What is the capital of Australia?", "what is the capital of australia"]:
        log.record(refused(question), channel=DM, latency_s=0.4, member_id=2)
    log.record(refused("Who is Zorblax?", NOT_MENTIONED), channel=GUILD, latency_s=1.25)
    return log


def test_unanswered_lists_the_refused_questions_most_frequent_first(tmp_path):
    fill(tmp_path)
    result = geoqa("log", "unanswered", "-i", str(tmp_path))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("   2×  what is the capital of australia  (not_covered, last ")
    assert lines[1].startswith("   1×  Who is Zorblax?  (not_mentioned")
    assert len(lines) == 2
    limited = geoqa("log", "unanswered", "-i", str(tmp_path), "--limit", "1", "--json")
    assert [u["count"] for u in json.loads(limited.output)["unanswered"]] == [2]


def test_stats_as_json_and_text(tmp_path):
    fill(tmp_path)
    data = json.loads(geoqa("log", "stats", "-i", str(tmp_path), "--json").output)
    assert data["questions"] == 4 and data["answered"] == 1 and data["answered_share"] == 0.25
    assert data["feedback"] == {"up": 1, "down": 1}
    assert data["refused"] == {"not_covered": 2, "not_mentioned": 1}
    assert data["slowest"][0] == {
        "question": "Who is Zorblax?",
        "latency_ms": 1250,
        "asked_at": data["slowest"][0]["asked_at"],
    }
    assert sum(day["questions"] for day in data["per_day"]) == 4
    text = geoqa("log", "stats", "-i", str(tmp_path)).output
    assert "questions  4 (1 answered, 25%)" in text and "👍 1  👎 1" in text
    future = json.loads(
        geoqa("log", "stats", "-i", str(tmp_path), "--since", "2999-01-01", "--json").output
    )
    assert future["questions"] == 0
    bad = geoqa("log", "stats", "-i", str(tmp_path), "--since", "soon")
    assert bad.exit_code == 2 and "not a date" in bad.output


def test_export_writes_one_json_object_per_question_without_member_hashes(tmp_path):
    log = fill(tmp_path)
    result = geoqa("log", "export", "--jsonl", "-i", str(tmp_path))
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["question"] for r in rows][:2] == [
        "Who is in it?",
        "What is the capital of Australia?",
    ]
    assert rows[0]["quotes"][0]["text"] == QUOTE.text and (rows[0]["up"], rows[0]["down"]) == (1, 1)
    assert log.member_key(1) not in result.output and log.member_key(2) not in result.output


def test_an_empty_log_reads_as_empty(tmp_path):
    assert "no refused questions logged" in geoqa("log", "unanswered", "-i", str(tmp_path)).output
    assert geoqa("log", "export", "-i", str(tmp_path)).output == ""
    assert not (tmp_path / "questions.sqlite").exists()


def test_ask_logs_only_when_opted_in_and_the_setting_allows(fake_index_copy, fake_embedder):
    log = QuestionLog.beside(fake_index_copy)
    question = "Who is in the AI Alliance Network?"
    args = ("ask", question, "-i", str(fake_index_copy))
    assert geoqa(*args, embedder=fake_embedder).exit_code == 0
    assert log.stats().questions == 0  # not opted in
    off = geoqa(*args, "--log", env={"GEOQA_LOG_QUESTIONS": "0"}, embedder=fake_embedder)
    assert off.exit_code == 0 and log.stats().questions == 0
    assert geoqa(*args, "--log", embedder=fake_embedder).exit_code == 0
    (row,) = log.export()
    assert row["channel"] == "cli" and row["question"] == question and row["latency_ms"] >= 0
