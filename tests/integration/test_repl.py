"""The terminal REPL, driven through its input stream."""

from __future__ import annotations

import io

from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from rich.console import Console

from bot.repl import prompt_lines, run_repl


def run_lines(qa, lines, **kwargs) -> str:
    out = io.StringIO()
    run_repl(qa, lines=lines, console=Console(file=out, width=200), **kwargs)
    return out.getvalue()


def test_answers_questions_and_runs_commands(qa):
    out = run_lines(
        qa,
        ["Who is in the AI Alliance Network?", ":k 2", ":help", ":sources", ":quit", "never asked"],
    )
    assert "4 articles" in out.splitlines()[0]
    assert "South Africa" in out and "CCN" in out
    assert "k = 2" in out and ":since DATE" in out
    assert "Kestrel Bay Data Centre Opens With 300 Megawatts" in out
    assert out.rstrip().endswith("bye") and "never asked" not in out


def test_filters_apply_to_the_next_questions_and_can_be_cleared(qa):
    out = run_lines(
        qa,
        [
            ":since 2025-01-01",
            "Who is in the AI Alliance Network?",
            ":since off",
            ":source CCN",
            "Who is in the AI Alliance Network?",
        ],
    )
    first, second = out.split("source = CCN")
    assert "No indexed article matching these filters mentions AI Alliance Network" in first
    assert "CCN" not in first.split("since = 2025-01-01")[1]
    assert "South Africa" in second


def test_bad_input_is_explained_and_the_session_goes_on(qa):
    out = run_lines(
        qa, [":since banana", ":k zero", "x" * 10_000, "\x07", "Who is in the AI Alliance Network?"]
    )
    assert "'banana' is not a date" in out
    assert ":k takes a whole number" in out
    assert "too long" in out and "control characters" in out
    assert "South Africa" in out


def test_line_editor_ctrl_c_cancels_the_line_and_ctrl_d_exits(qa, tmp_path):
    history = tmp_path / "history"
    with create_pipe_input() as pipe:
        pipe.send_text("half a question\x03")  # Ctrl-C: the line is dropped
        pipe.send_text("How much could AI add to Russia's GDP?\r")
        pipe.send_text("\x04")  # Ctrl-D on an empty line: leave
        lines = prompt_lines(history, pt_input=pipe, pt_output=DummyOutput())
        out = run_lines(qa, lines)
    assert "11.2 trillion rubles" in out
    assert "half a question" not in out
    assert out.rstrip().endswith("bye")
    assert "How much could AI add to Russia's GDP?" in history.read_text()


def test_a_follow_up_uses_the_previous_question_until_new(qa):
    out = run_lines(
        qa,
        [
            "Which countries signed the Northbridge Compact?",
            "Where will its secretariat be based?",
            ":new",
            "Where will its secretariat be based?",
        ],
    )
    followed, fresh = out.split("new conversation")
    assert "searched as: Where will its secretariat be based (Northbridge Compact)?" in followed
    assert "Tallinn" in followed
    assert "searched as" not in fresh  # asked on its own words, with no conversation
