"""``geoqa feeds add|list|remove`` (the followed feeds file) and ``geoqa sync`` (read every
followed feed once, add what the corpus lacks, update the index once).

``sync`` is made for cron: it prints nothing unless an article was added or something failed;
exit status 0 when every feed was read, 1 when any feed or page failed (the others still went
in), 2 on bad configuration (a broken feeds file, no feeds file, a missing corpus folder).
"""

from __future__ import annotations

import datetime as dt
import json

import click

from bot.cli.base import EXIT_PARTIAL, config_from, embedder_from, stores_from
from bot.cli.options import corpus_option, feeds_file_option, index_option, json_option
from bot.cli.progress import BuildProgress, on_terminal


@click.group("feeds")
def feeds_group() -> None:
    """Follow RSS/Atom feeds that `geoqa sync` reads."""


@feeds_group.command("add")
@click.argument("url")
@click.option("--name", help="A short unique name (default: the feed's host name).")
@click.option("--source", help="The outlet to store as the articles' source.")
@click.option(
    "--match",
    "match",
    multiple=True,
    metavar="WORDS",
    help="Only entries whose title or summary holds one of these comma-separated words"
    " (case-insensitive; chip* = any ending; repeatable).",
)
@feeds_file_option()
@click.pass_context
def feeds_add_command(ctx, url, name, source, match, feeds_file):
    """Follow the RSS or Atom feed at URL (nothing is fetched until `geoqa sync`)."""
    from index import follow

    path = feeds_file or config_from(ctx).feeds_file
    feed = follow(path, url, name=name, source=source, match=match)
    click.echo(f"following {feed.name}: {feed.url} (in {path})")


@feeds_group.command("list")
@feeds_file_option()
@index_option()
@json_option("Print the feeds and their status as one JSON object.")
@click.pass_context
def feeds_list_command(ctx, feeds_file, index_dir, as_json):
    """The followed feeds with their last fetch, last new article and errors."""
    from index import FeedStates, read_feeds

    config = config_from(ctx)
    path = feeds_file or config.feeds_file
    feeds = read_feeds(path)
    with FeedStates(index_dir or config.index_dir, create=False) as states:
        listed = [(feed, states.get(feed.url)) for feed in feeds]
    if as_json:
        rows = [
            {"name": f.name, "url": f.url, "source": f.source, "match": list(f.match)} | s.as_json()
            for f, s in listed
        ]
        click.echo(json.dumps({"file": str(path), "feeds": rows}))
        return
    if not feeds:
        click.echo(f"No feeds followed yet ({path}); add one with `geoqa feeds add URL`.")
        return
    from bot.render.feeds import status_lines

    for feed, state in listed:
        click.echo(f"{feed.name}  {feed.url}")
        for line in status_lines(feed, state):
            click.echo(f"  {line}")


@feeds_group.command("remove")
@click.argument("name")
@feeds_file_option()
@index_option()
@click.pass_context
def feeds_remove_command(ctx, name, feeds_file, index_dir):
    """Stop following the feed NAME (its articles stay in the corpus)."""
    from index import FeedStates, unfollow

    config = config_from(ctx)
    path = feeds_file or config.feeds_file
    feed = unfollow(path, name)
    with FeedStates(index_dir or config.index_dir, create=False) as states:
        states.forget(feed.url)  # what syncing remembered of it (nothing when never synced)
    click.echo(f"no longer following {feed.name}: {feed.url}")


@click.command("sync")
@corpus_option()
@index_option()
@feeds_file_option()
@click.option(
    "--max-entries",
    type=click.IntRange(1, 1000),
    default=20,
    show_default=True,
    help="Pages fetched per feed at most (the newest; the rest wait for the next sync).",
)
@click.option(
    "--max-age",
    type=click.IntRange(1, None),
    metavar="DAYS",
    help="Skip entries published more than DAYS days ago.",
)
@click.option("--force", is_flag=True, help="Also read feeds that rest after failures.")
@click.option("--no-index", is_flag=True, help="Only write the articles; leave the index as it is.")
@json_option("Print per feed {new, duplicates, failed, not_modified, ...} as one JSON object.")
@click.pass_context
def sync_command(
    ctx, corpus_dir, index_dir, feeds_file, max_entries, max_age, force, no_index, as_json
):
    """Read every followed feed once, add the entries the corpus lacks, update the index once.
    Quiet unless something was added or failed; exit status 1 if any feed or page failed."""
    from index import SafeFetcher, SyncOptions, read_followed, sync_feeds

    config = config_from(ctx)
    feeds = read_followed(feeds_file or config.feeds_file)
    options = SyncOptions(
        max_entries=max_entries,
        max_age=dt.timedelta(days=max_age) if max_age else None,
        force=force,
        update_index=not no_index,
    )
    with (
        SafeFetcher(allow_private=config.allow_private_urls) as fetcher,
        BuildProgress(enabled=on_terminal(as_json)) as (progress, _stage),
    ):
        stores = stores_from(ctx, index_dir)
        try:
            report = sync_feeds(
                feeds,
                corpus_dir or config.corpus_dir,
                stores.index_dir,
                fetcher,
                embedder=lambda: embedder_from(ctx),
                options=options,
                progress=progress,
                notify=None if as_json else _say_feed,
                target=stores.target(),
            )
        finally:
            stores.close()
    if as_json:
        click.echo(json.dumps(report.as_json()))
    elif report.index is not None and not report.index.up_to_date:
        index = report.index
        click.echo(
            f"Index updated: {index.articles} articles, {index.chunks} chunks in"
            f" {index.seconds:.1f} s (embedded {index.embedded}, reused {index.reused})."
        )
    if report.failed:
        ctx.exit(EXIT_PARTIAL)


def _say_feed(result) -> None:
    """One feed's news: added articles on stdout, failures on stderr, nothing otherwise."""
    for added in result.added:
        click.echo(f"{result.name}: added {added.path}: {added.title}")
    if result.left:
        click.echo(f"{result.name}: {result.left} more new entries left for the next sync")
    if result.error:
        click.echo(f"error: {result.name}: {result.error}", err=True)
    for failed in result.failed:
        click.echo(f"error: {result.name}: {failed.url}: {failed.reason}", err=True)
