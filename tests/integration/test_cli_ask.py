"""`geoqa ask` and `geoqa repl` from the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from click.testing import CliRunner

from bot.cli import cli
from index.store.index_store import IndexStore
from tests.support.paths import REPO, SEED_ID

ARTICLE_FIELDS = {
    "article_id": str,
    "title": str,
    "source": (str, type(None)),
    "url": (str, type(None)),
    "published": (str, type(None)),
}


def ask(embedder, *args: str):
    return CliRunner().invoke(cli, ["ask", *args], obj={"embedder": embedder})


def test_ask_json_prints_one_object_with_the_documented_schema(index_dir, embedder):
    result = ask(embedder, "Who is in the AI Alliance Network?", "-i", str(index_dir), "--json")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    fields = {"question", "found", "kind", "reason", "answer", "quotes", "more", "sources"}
    assert set(answer) == fields
    assert answer["question"] == "Who is in the AI Alliance Network?" and answer["found"] is True
    assert (answer["kind"], answer["reason"]) == ("list", None)
    assert isinstance(answer["answer"], str) and "Sources:" in answer["answer"]
    store = IndexStore.open(index_dir)
    for quote in answer["quotes"] + answer["more"]:
        types = {"n": int, "text": str, "start": int, "end": int, "score": float, **ARTICLE_FIELDS}
        assert set(quote) == set(types) | {"link"}
        for key, kind in types.items():
            assert isinstance(quote[key], kind), key
        assert store.text(quote["article_id"])[quote["start"] : quote["end"]] == quote["text"]
        if quote["article_id"] == SEED_ID:  # the link opens the article at the quote
            assert quote["link"].startswith(f"{quote['url']}#:~:text=")
    for source in answer["sources"]:
        assert set(source) == {"n", *ARTICLE_FIELDS}
    assert SEED_ID in {s["article_id"] for s in answer["sources"]}


def test_ask_filters_by_source_and_date(index_dir, embedder):
    args = ["--index", str(index_dir), "--json", "--top-k", "4"]
    only = json.loads(
        ask(embedder, "What was announced?", *args, "--source", "Fixture Times").stdout
    )
    assert {s["source"] for s in only["sources"]} == {"Fixture Times"}
    late = json.loads(
        ask(embedder, "Who is in the AI Alliance Network?", *args, "--since", "2025-01-01").stdout
    )
    assert SEED_ID not in {s["article_id"] for s in late["sources"]}


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
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
