"""`geoqa ask` and `geoqa repl` from the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from bot.cli import cli
from index.build import build_index
from index.chunking import ChunkSettings
from index.store import IndexStore
from tests.conftest import REPO, SEED_ID

ARTICLE_FIELDS = {
    "article_id": str,
    "title": str,
    "source": (str, type(None)),
    "url": (str, type(None)),
    "published": (str, type(None)),
}


def ask(*args: str):
    return CliRunner().invoke(cli, ["ask", *args])


def test_ask_json_prints_one_object_with_the_documented_schema(index_dir):
    result = ask("Who is in the AI Alliance Network?", "--index", str(index_dir), "--json")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert set(answer) == {"question", "found", "answer", "quotes", "sources"}
    assert answer["question"] == "Who is in the AI Alliance Network?" and answer["found"] is True
    assert isinstance(answer["answer"], str) and "Sources:" in answer["answer"]
    store = IndexStore.open(index_dir)
    for quote in answer["quotes"]:
        types = {"n": int, "text": str, "start": int, "end": int, "score": float, **ARTICLE_FIELDS}
        assert set(quote) == set(types)
        for key, kind in types.items():
            assert isinstance(quote[key], kind), key
        assert store.text(quote["article_id"])[quote["start"] : quote["end"]] == quote["text"]
    for source in answer["sources"]:
        assert set(source) == {"n", *ARTICLE_FIELDS}
    assert SEED_ID in {s["article_id"] for s in answer["sources"]}


def test_ask_filters_by_source_and_date(index_dir):
    args = ["--index", str(index_dir), "--json", "-k", "4"]
    only = json.loads(ask("What was announced?", *args, "--source", "Fixture Times").stdout)
    assert {s["source"] for s in only["sources"]} == {"Fixture Times"}
    late = json.loads(
        ask("Who is in the AI Alliance Network?", *args, "--since", "2025-01-01").stdout
    )
    assert SEED_ID not in {s["article_id"] for s in late["sources"]}


def test_missing_index_is_one_line_on_stderr_and_status_2(tmp_path):
    result = ask("Who is in the AI Alliance Network?", "--index", str(tmp_path), "--json")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.strip().count("\n") == 0 and "geoqa index build" in result.stderr


def test_index_built_with_other_settings_says_rebuild(corpus_dir, tmp_path, embedder):
    build_index(corpus_dir, tmp_path, embedder, chunk_settings=ChunkSettings(80, 10))
    result = ask("Who is in the AI Alliance Network?", "--index", str(tmp_path))
    assert result.exit_code == 2
    assert "chunking" in result.stderr and "run `geoqa index build`" in result.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["", "--json"], "the question is empty"),
        (["   "], "the question is empty"),
        (["x" * 10_000], "too long"),
        (["what\x1b[2J happened"], "control characters"),
        (["Who?", "--since", "yesterday"], "'yesterday' is not a date"),
        (["Who?", "--until", "2025-13-01"], "is not a date"),
    ],
)
def test_bad_input_gets_a_clear_message_and_no_traceback(index_dir, args, message):
    result = ask(*args, "--index", str(index_dir))
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output and result.stdout == ""


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        text=True,
        capture_output=True,
        cwd=REPO,
        env=env,
        timeout=120,
    )


def test_console_script_answers_a_question(index_dir):
    result = run("ask", "How much could AI add to Russia's GDP by 2030?", "--index", str(index_dir))
    assert result.returncode == 0, result.stderr
    assert "11.2 trillion rubles" in result.stdout and "CCN" in result.stdout


def test_repl_reads_questions_from_piped_input(index_dir):
    lines = "Who is in the AI Alliance Network?\n:k 3\n:bogus\n:quit\nnever asked\n"
    result = run("repl", "--index", str(index_dir), stdin=lines)
    assert result.returncode == 0, result.stderr
    assert "South Africa" in result.stdout and "k = 3" in result.stdout
    assert "unknown command :bogus" in result.stdout and result.stdout.rstrip().endswith("bye")
