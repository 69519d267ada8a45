"""The ``geoqa`` console script. An edge: configuration is read here once; library errors become
one line on stderr and exit status 2."""

from __future__ import annotations

import click

from index.cli import GeoqaGroup, index_group, setup_logging
from index.settings import read_environment


@click.group(cls=GeoqaGroup)
@click.option("-v", "--verbose", count=True, help="More logging (-vv for debug).")
@click.pass_context
def cli(ctx: click.Context, verbose: int) -> None:
    """Answer questions about AI geopolitics with verbatim, cited quotes from news articles."""
    setup_logging(verbose)
    ctx.ensure_object(dict)
    ctx.obj["env"] = read_environment()


cli.add_command(index_group)


def main() -> None:
    """Entry point of the ``geoqa`` console script."""
    cli(prog_name="geoqa")
