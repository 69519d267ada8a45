"""`geoqa` command-line error paths: one line on stderr, exit status 2, nothing on stdout."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from bot.cli import cli
from index.build.builder import build_index
from index.build.chunking import ChunkSettings


def ask(embedder, *args: str):
    return CliRunner().invoke(cli, ["ask", *args], obj={"embedder": embedder})


def test_missing_index_is_one_line_on_stderr_and_status_2(tmp_path, fake_embedder):
    result = ask(fake_embedder, "Who is in the AI Alliance Network?", "-i", str(tmp_path), "--json")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.strip().count("\n") == 0 and "geoqa index build" in result.stderr


def test_index_built_with_other_settings_says_rebuild(corpus_dir, tmp_path, fake_embedder):
    build_index(corpus_dir, tmp_path, fake_embedder, chunk_settings=ChunkSettings(80, 10))
    result = ask(fake_embedder, "Who is in the AI Alliance Network?", "--index", str(tmp_path))
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
def test_bad_input_gets_a_clear_message_and_no_traceback(
    fake_index_dir, fake_embedder, args, message
):
    result = ask(fake_embedder, *args, "--index", str(fake_index_dir))
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output and result.stdout == ""


def test_usage_errors_are_status_2_and_a_partial_add_is_status_1(tmp_path, fake_embedder):
    assert CliRunner().invoke(cli, ["ask"]).exit_code == 2  # missing argument
    assert CliRunner().invoke(cli, ["ask", "q?", "-k", "0"]).exit_code == 2  # out of range
    assert CliRunner().invoke(cli, ["add"]).exit_code == 2  # nothing to add
    env = {"GEOQA_CORPUS_DIR": str(tmp_path)}
    partial = CliRunner().invoke(cli, ["add", "not a file", "--no-index"], obj={"env": env})
    assert partial.exit_code == 1 and partial.stderr == "error: not a file: no such file\n"


def test_every_command_shares_the_option_vocabulary():
    for command in (["ask", "--help"], ["repl", "--help"], ["index", "build", "--help"]):
        assert "-i, --index" in CliRunner().invoke(cli, command).output, command
    for command in (["ask", "--help"], ["eval", "retrieval", "--help"]):
        assert "-k, --top-k" in CliRunner().invoke(cli, command).output, command
    for command in (["add", "--help"], ["index", "build", "--help"]):
        assert "-c, --corpus" in CliRunner().invoke(cli, command).output, command
    assert "-v" not in CliRunner().invoke(cli, ["index", "build", "--help"]).output
