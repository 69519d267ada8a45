"""Progress on stderr for long commands, silent with ``--json`` or off a terminal."""

from __future__ import annotations

import sys
from collections.abc import Callable

import click


def on_terminal(quiet: bool) -> bool:
    """Whether to show progress: not asked to be quiet, and stderr is a terminal."""
    return not quiet and sys.stderr.isatty()


class BuildProgress:
    """A rich progress bar for an index build (stage names, then embedded chunks)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._bar = None
        self._task = None

    def __enter__(self):
        if not self.enabled:
            return None, None
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        self._bar = Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            transient=True,
        )
        self._bar.__enter__()
        self._task = self._bar.add_task("reading corpus", total=None)
        return self.update, self.stage

    def update(self, done: int, total: int) -> None:
        """Embedded ``done`` of ``total`` chunks."""
        self._bar.update(self._task, completed=done, total=total)

    def stage(self, name: str) -> None:
        """A new stage of the build began."""
        self._bar.update(self._task, description=name)

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)


def stage_reporter(quiet: bool) -> Callable[[str], None] | None:
    """A stage reporter writing ``stage …`` lines to stderr, or None when not shown."""
    if not on_terminal(quiet):
        return None
    return lambda message: click.echo(f"{message} …", err=True)


def counter(quiet: bool) -> Callable[[int, int], None] | None:
    """A ``question N/M`` counter on one stderr line, or None when not shown."""
    if not on_terminal(quiet):
        return None

    def progress(done: int, total: int) -> None:
        click.echo(f"\rquestion {done}/{total}", nl=False, err=True)
        if done == total:
            click.echo(err=True)

    return progress
