"""The ``geoqa`` console script: one root group (``-v`` and error handling, see :mod:`.base`),
its commands by job: :mod:`.index_commands`, :mod:`.ask_commands`, :mod:`.add_command`,
:mod:`.eval_commands`, :mod:`.discord_command`, :mod:`.feeds_commands` (``feeds``, ``sync``),
:mod:`.prune_command` and :mod:`.log_commands`. The shared options are in :mod:`.options`.

Exit status: 0 ok, 1 partial failure (``add`` where some sources failed, ``sync`` where some
feeds or pages failed), 2 usage, configuration or domain error (one ``error: …`` line on
stderr).
"""

from __future__ import annotations

import click

from bot.cli.add_command import add_command
from bot.cli.ask_commands import ask_command, repl_command
from bot.cli.base import GeoqaGroup, env_from, setup_logging
from bot.cli.discord_command import discord_command
from bot.cli.eval_commands import eval_group
from bot.cli.feeds_commands import feeds_group, sync_command
from bot.cli.index_commands import index_group
from bot.cli.log_commands import log_group
from bot.cli.prune_command import prune_command


@click.group(cls=GeoqaGroup)
@click.option("-v", "--verbose", count=True, help="More logging (-vv for debug).")
@click.pass_context
def cli(ctx: click.Context, verbose: int) -> None:
    """Answer questions about AI geopolitics with verbatim, cited quotes from news articles."""
    setup_logging(verbose)
    env_from(ctx)  # read .env and the environment once, before any command


for command in (index_group, add_command, ask_command, repl_command, eval_group, discord_command):
    cli.add_command(command)
for command in (feeds_group, sync_command, prune_command):
    cli.add_command(command)
cli.add_command(log_group)


def main() -> None:
    """Entry point of the ``geoqa`` console script (and ``python -m bot``)."""
    cli(prog_name="geoqa")
