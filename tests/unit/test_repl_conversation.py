"""The REPL's conversation: follow-ups read against the earlier questions, ``:new`` starting
afresh, and questions logged when asked to (over the fake-embedder index)."""

from __future__ import annotations

import io

from rich.console import Console

from bot.qa import QA
from bot.questionlog import QuestionLog
from bot.repl import run_repl


class ContextNotingQA(QA):
    """The real engine, noting the context each question was asked with."""

    contexts: list[tuple[str, tuple[str, ...]]]

    def ask(self, question, filters=None, k=None, context=()):
        self.contexts.append((question, tuple(context)))
        return super().ask(question, filters, k, context=context)


def repl(qa, lines, log=None) -> str:
    out = io.StringIO()
    run_repl(qa, lines=lines, console=Console(file=out, width=300), log=log)
    return out.getvalue()


def test_a_follow_up_is_asked_with_the_earlier_questions_and_new_starts_afresh(
    fake_index_dir, fake_embedder
):
    qa = ContextNotingQA.open(fake_index_dir, fake_embedder)
    qa.contexts = []
    first = "Which countries signed the Northbridge Compact?"
    out = repl(qa, [first, "When did they sign it?", ":new", "When did they sign it?"])
    assert qa.contexts == [
        (first, ()),
        ("When did they sign it?", (first,)),
        ("When did they sign it?", ()),
    ]
    assert out.count("follow-up, searched as: When did they sign it (Northbridge Compact)?") == 1
    assert "new conversation" in out


def test_questions_are_logged_with_their_context_when_a_log_is_given(
    fake_index_dir, fake_embedder, tmp_path
):
    qa = QA.open(fake_index_dir, fake_embedder)
    log = QuestionLog.beside(tmp_path)
    repl(qa, ["Who leads the Northbridge Compact?", "", "Where is it based?", ":quit"], log=log)
    rows = list(log.export())
    assert [(r["channel"], r["question"], r["context"]) for r in rows] == [
        ("repl", "Who leads the Northbridge Compact?", []),
        ("repl", "Where is it based?", ["Who leads the Northbridge Compact?"]),
    ]
    assert repl(qa, ["Who leads the Northbridge Compact?"]) and len(list(log.export())) == 2
