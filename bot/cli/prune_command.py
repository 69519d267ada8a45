"""``geoqa prune --older-than DAYS [--yes]``: remove old articles from the corpus and the index
(a dry run unless ``--yes``)."""

from __future__ import annotations

import json

import click

from bot.cli.base import config_from, embedder_from, stores_from
from bot.cli.options import corpus_option, index_option, json_option


@click.command("prune")
@click.option(
    "--older-than",
    "days",
    type=click.IntRange(1, None),
    required=True,
    metavar="DAYS",
    help="Articles published (or, undated, fetched) more than DAYS days ago.",
)
@click.option("--yes", is_flag=True, help="Remove them (without it, only list them).")
@corpus_option()
@index_option()
@json_option()
@click.pass_context
def prune_command(ctx, days, yes, corpus_dir, index_dir, as_json):
    """List the articles older than DAYS days; with --yes remove them from the corpus and the
    index. Articles without any date are kept."""
    from index import prune

    config = config_from(ctx)
    stores = stores_from(ctx, index_dir)
    try:
        report = prune(
            corpus_dir or config.corpus_dir,
            stores.index_dir,
            days,
            apply=yes,
            embedder=lambda: embedder_from(ctx),
            target=stores.target() if yes else None,
        )
    finally:
        stores.close()
    if as_json:
        click.echo(json.dumps(report.as_json()))
        return
    verb = "removed" if report.removed else "would remove"
    for old in report.old:
        click.echo(f"{verb} {old.path} ({old.date}): {old.title}")
    kept = f"; {report.undated} undated articles kept" if report.undated else ""
    if not report.old:
        click.echo(f"No articles dated before {report.cutoff}{kept}.")
    elif not report.removed:
        click.echo(
            f"{len(report.old)} articles dated before {report.cutoff}{kept};"
            " run again with --yes to remove them."
        )
    elif report.index is not None:
        click.echo(
            f"Removed {len(report.old)} articles{kept}; the index now has {report.index.articles}"
            f" articles, {report.index.chunks} chunks."
        )
