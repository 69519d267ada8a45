"""``geoqa add``: web pages, feed entries or local files into the corpus, then the index."""

from __future__ import annotations

import json
from pathlib import Path

import click

from bot.cli.base import EXIT_PARTIAL, config_from, embedder_from, stores_from
from bot.cli.options import corpus_option, index_option, json_option
from bot.cli.progress import BuildProgress, on_terminal


@click.command("add")
@click.argument("sources", nargs=-1, metavar="[URL|FILE]...")
@click.option(
    "--feed",
    "feeds",
    multiple=True,
    metavar="URL",
    help="An RSS or Atom feed: add its entries the corpus lacks, oldest first (repeatable).",
)
@corpus_option()
@index_option()
@click.option("--no-index", is_flag=True, help="Only write the articles; leave the index as it is.")
@json_option()
@click.pass_context
def add_command(ctx, sources, feeds, corpus_dir, index_dir, no_index, as_json):
    """Add web pages, feed entries or local .md/.txt/.html files to the corpus, then update the
    index (only the new articles are embedded). Exit status 1 if any source failed."""
    from index import SafeFetcher, add_sources

    if not sources and not feeds:
        raise click.UsageError("give at least one URL or file, or --feed URL")
    config = config_from(ctx)
    corpus_dir = corpus_dir or config.corpus_dir
    index_dir = index_dir or config.index_dir
    with SafeFetcher(allow_private=config.allow_private_urls) as fetcher:
        report = add_sources(
            corpus_dir, sources, feeds, fetcher=fetcher, notify=_say_outcome(quiet=as_json)
        )
    if report.added and not no_index:
        report.index = _update_index(ctx, corpus_dir, index_dir, quiet=as_json)
    if as_json:
        click.echo(json.dumps(report.as_json()))
    if report.failed:
        ctx.exit(EXIT_PARTIAL)


def _say_outcome(quiet: bool):
    from index import Added, Duplicate

    def say(outcome) -> None:
        if isinstance(outcome, Added):
            if not quiet:
                click.echo(f"added {outcome.path}: {outcome.title}")
        elif isinstance(outcome, Duplicate):
            if not quiet:
                click.echo(f"already in corpus: {outcome.path} ({outcome.url})")
        else:
            click.echo(f"error: {outcome.url}: {outcome.reason}", err=True)

    return say


def _update_index(ctx: click.Context, corpus_dir: Path, index_dir: Path, quiet: bool):
    from index import build_index

    embedder = embedder_from(ctx)
    stores = stores_from(ctx, index_dir)
    with BuildProgress(enabled=on_terminal(quiet)) as (progress, stage):
        try:
            report = build_index(
                corpus_dir,
                index_dir,
                embedder,
                target=stores.target(),
                progress=progress,
                stage=stage,
            )
        finally:
            stores.close()
    if not quiet:
        click.echo(
            f"Index updated: {report.articles} articles, {report.chunks} chunks in"
            f" {report.seconds:.1f} s (embedded {report.embedded}, reused {report.reused})."
        )
    return report
