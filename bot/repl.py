"""The terminal REPL: a line editor with history, coloured answers and a few ``:`` commands.

The model and index are loaded once, before the first prompt. Ctrl-C cancels the current line
(or a running answer), Ctrl-D or ``:quit`` leaves. Questions form a conversation: a follow-up
("When did they join?") is asked with the earlier questions as context (:mod:`bot.followup`);
``:new`` starts afresh. With a question log, each question is recorded (channel "repl").
"""

from __future__ import annotations

import dataclasses
import logging
import sys
import time
from collections.abc import Iterable
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from bot.followup import standalone
from bot.qa import QA, clean_question
from bot.questionlog import REPL, QuestionLog
from bot.render.terminal import to_rich
from index import Filters, GeoqaError, parse_day

log = logging.getLogger(__name__)

HELP = """\
Ask a question in plain English, or use a command:
  :help            this help
  :sources         the indexed articles
  :k N             use the N best chunks per question (now {k})
  :since DATE      only articles published on/after DATE (YYYY-MM-DD); ':since off' clears
  :until DATE      only articles published on/before DATE; ':until off' clears
  :source NAME     only articles from this outlet; ':source off' clears
  :new             start a new conversation (follow-ups refer to the questions since the last :new)
  :quit            leave (Ctrl-D works too; Ctrl-C cancels the line)"""
PROMPT = "geoqa> "
MAX_CONTEXT = 5  # earlier questions a follow-up is read against


class Repl:
    """The REPL's state (k, filters) and what each input line does."""

    def __init__(
        self,
        qa: QA,
        console: Console,
        k: int,
        filters: Filters | None = None,
        log: QuestionLog | None = None,
    ) -> None:
        self.qa = qa
        self.console = console
        self.k = k
        self.filters = filters or Filters()
        self.log = log
        self.earlier: list[str] = []  # this conversation's questions, oldest first

    def banner(self) -> None:
        """Print what is loaded."""
        m = self.qa.store.manifest
        self.console.print(
            f"[bold]geoqa[/bold] — {m.articles} articles, {m.chunks} chunks, "
            f"index built {escape(m.built_at)}, model {escape(m.model)}. "
            "Type a question, or :help."
        )

    def handle(self, line: str) -> bool:
        """Run one input line; False means leave."""
        line = line.strip()
        if not line:
            return True
        try:
            if line.startswith(":"):
                return self.command(line)
            self.ask(line)
        except GeoqaError as exc:
            log.info("rejected input: %s", exc)
            self.console.print(f"[red]{escape(str(exc))}[/red]")
        except KeyboardInterrupt:
            self.console.print("[yellow]cancelled[/yellow]")
        return True

    def ask(self, line: str) -> None:
        """Answer a question as part of the conversation, and log it when logging is on."""
        question = clean_question(line)
        context = tuple(self.earlier[-MAX_CONTEXT:])
        resolved = standalone(question, context)
        if resolved != question:
            self.console.print(f"[dim]follow-up, searched as: {escape(resolved)}[/dim]")
        started = time.perf_counter()
        answer = self.qa.ask(question, self.filters, k=self.k, context=context)
        if self.log is not None:
            self.log.record(
                answer, channel=REPL, latency_s=time.perf_counter() - started, context=context
            )
        self.earlier.append(question)
        self.console.print(to_rich(answer))

    def command(self, line: str) -> bool:
        """Run a ``:`` command; False means leave."""
        name, _, arg = line[1:].partition(" ")
        arg = arg.strip()
        if name in ("quit", "q", "exit"):
            return False
        if name == "help":
            self.console.print(escape(HELP.format(k=self.k)))
        elif name == "sources":
            for a in self.qa.store.articles:
                details = ", ".join(p for p in (a.source, a.published) if p)
                self.console.print(f"  {escape(a.title)} — {escape(details)} [dim]({a.id})[/dim]")
        elif name == "new":
            self.earlier.clear()
            self.console.print("new conversation")
        elif name == "k":
            self.set_k(arg)
        elif name in ("since", "until", "source"):
            self.set_filter(name, arg)
        else:
            self.console.print(f"[red]unknown command :{escape(name)}[/red] — :help lists them")
        return True

    def set_k(self, arg: str) -> None:
        """``:k N``."""
        if not arg.isdigit() or not 1 <= int(arg) <= 50:
            self.console.print("[red]:k takes a whole number from 1 to 50[/red]")
            return
        self.k = int(arg)
        self.console.print(f"k = {self.k}")

    def set_filter(self, name: str, arg: str) -> None:
        """``:since``, ``:until`` and ``:source``; ``off`` clears one."""
        if not arg:
            self.console.print(f"{name} = {getattr(self.filters, name) or 'off'}")
            return
        value = None
        if arg != "off":
            value = arg if name == "source" else parse_day(arg, f":{name}")
        self.filters = dataclasses.replace(self.filters, **{name: value})
        self.console.print(f"{name} = {value or 'off'}")


def prompt_lines(history_file: Path | None, pt_input=None, pt_output=None) -> Iterable[str]:
    """Lines from a prompt_toolkit line editor; Ctrl-C skips a line, Ctrl-D ends."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory, InMemoryHistory

    history = InMemoryHistory()
    if history_file is not None:
        try:
            history_file.parent.mkdir(parents=True, exist_ok=True)
            history_file.touch(exist_ok=True)
            history = FileHistory(str(history_file))
        except OSError as exc:
            log.warning("no line history: %s", exc)
    session = PromptSession(history=history, input=pt_input, output=pt_output)
    while True:
        try:
            yield session.prompt(PROMPT)
        except KeyboardInterrupt:
            continue
        except EOFError:
            return


def piped_lines(stream) -> Iterable[str]:
    """Lines from a non-interactive stream (``echo question | geoqa repl``)."""
    for line in stream:
        yield line.rstrip("\n")


def run_repl(
    qa: QA,
    lines: Iterable[str] | None = None,
    console: Console | None = None,
    k: int = 8,
    filters: Filters | None = None,
    history_file: Path | None = None,
    log: QuestionLog | None = None,
) -> None:
    """Run the loop until ``:quit`` or end of input; ``log`` records each question."""
    console = console or Console()
    repl = Repl(qa, console, k, filters, log)
    repl.banner()
    if lines is None:
        lines = prompt_lines(history_file) if sys.stdin.isatty() else piped_lines(sys.stdin)
    for line in lines:
        if not repl.handle(line):
            break
    console.print("bye")
