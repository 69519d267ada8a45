"""``geoqa index build|stats|export-onnx`` and ``add`` (also ``python -m index``): the index
side's command line.

This is an edge: configuration is read here once, and library errors become one line on stderr
and exit status 2.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import click

from index.errors import GeoqaError
from index.settings import IndexConfig, read_environment

log = logging.getLogger(__name__)

EXIT_ERROR = 2


class GeoqaGroup(click.Group):
    """A click group that turns :class:`GeoqaError` into one line and exit status 2."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except GeoqaError as exc:
            log.info("command failed: %s", exc)
            click.echo(f"error: {exc}", err=True)
            ctx.exit(EXIT_ERROR)


def setup_logging(verbose: int) -> None:
    """Configure logging for a command-line entry point."""
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", force=True)
    if verbose < 2:
        for noisy in ("sentence_transformers", "transformers", "httpx", "bm25s"):
            logging.getLogger(noisy).setLevel(logging.WARNING)


def config_from(ctx: click.Context) -> IndexConfig:
    """The index configuration of this invocation, read from .env and the environment once."""
    root = ctx.find_root()
    root.ensure_object(dict)
    if "index_config" not in root.obj:
        root.obj["index_config"] = IndexConfig.from_env(root.obj.get("env") or read_environment())
    return root.obj["index_config"]


def embedder_from(ctx: click.Context, model: str | None = None):
    """The embedding model of this invocation: one the caller already loaded (``obj["embedder"]``,
    e.g. a running bot's), else the configured model and backend, loaded lazily."""
    from index.onnx_backend import make_embedder

    root = ctx.find_root()
    root.ensure_object(dict)
    if model is None and root.obj.get("embedder") is not None:
        return root.obj["embedder"]
    return make_embedder(config_from(ctx), model)


@click.group("index", cls=GeoqaGroup)
def index_group() -> None:
    """Build and inspect the search index."""


@index_group.command("build")
@click.option("--corpus", "corpus_dir", type=click.Path(path_type=Path), help="Article folder.")
@click.option("--index", "index_dir", type=click.Path(path_type=Path), help="Index folder.")
@click.option("--model", help="Embedding model: name or path.")
@click.option(
    "--faiss",
    "faiss_kind",
    type=click.Choice(["flat", "hnsw"]),
    default="flat",
    show_default=True,
    help="Exact (flat) or approximate (hnsw) vector index.",
)
@click.option("--strict", is_flag=True, help="Fail (exit 1) if any file is skipped.")
@click.option("--if-stale", is_flag=True, help="Do nothing when the index is already current.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
@click.pass_context
def build_command(ctx, corpus_dir, index_dir, model, faiss_kind, strict, if_stale, as_json):
    """Build (or rebuild) the index of the corpus; only new or changed chunks are embedded."""
    from index.build import build_index
    from index.errors import CorpusError

    config = config_from(ctx)
    embedder = embedder_from(ctx, model)
    corpus_dir = corpus_dir or config.corpus_dir
    index_dir = index_dir or config.index_dir
    with _progress(enabled=not as_json and sys.stderr.isatty()) as (progress, stage):
        try:
            report = build_index(
                corpus_dir,
                index_dir,
                embedder,
                faiss_kind=faiss_kind,
                strict=strict,
                if_stale=if_stale,
                progress=progress,
                stage=stage,
            )
        except CorpusError:
            from index.articles import load_corpus

            for skipped in load_corpus(corpus_dir).skipped:
                click.echo(f"skipped {skipped}", err=True)
            raise click.ClickException("files were skipped and --strict is set") from None
    if as_json:
        click.echo(json.dumps(report.as_json()))
        return
    for skipped in report.skipped:
        click.echo(f"skipped {skipped}", err=True)
    if report.up_to_date:
        click.echo(
            f"Index in {index_dir} is up to date: {report.articles} articles, "
            f"{report.chunks} chunks, {len(report.skipped)} files skipped."
        )
        return
    click.echo(
        f"Indexed {report.articles} articles into {report.chunks} chunks in {report.seconds:.1f} s"
        f" (embedded {report.embedded}, reused {report.reused} from cache,"
        f" skipped {len(report.skipped)} files)."
    )


class _progress:
    """A rich progress bar for the embedding stage, silent when not on a terminal."""

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
        self._bar.update(self._task, completed=done, total=total)

    def stage(self, name: str) -> None:
        self._bar.update(self._task, description=name)

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)


@index_group.command("export-onnx")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    help="Export folder (default GEOQA_ONNX_DIR).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as one JSON object.")
@click.pass_context
def export_onnx_command(ctx, out_dir, as_json):
    """Export the embedding model to ONNX with int8 weights, for GEOQA_EMBED_BACKEND=onnx-int8
    (offline; needs the onnx extra)."""
    from index.onnx_backend import export_onnx

    config = config_from(ctx)
    out_dir = out_dir or config.onnx_dir
    report = export_onnx(out_dir, quantize=True, model=config.model)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "folder": str(report.folder),
                    "model": report.model_id,
                    "source_model": report.source_model,
                    "bytes": report.bytes,
                    "seconds": round(report.seconds, 3),
                }
            )
        )
        return
    click.echo(
        f"Exported {report.source_model} to {report.folder} as {report.model_id}"
        f" ({report.bytes / 1e6:.1f} MB) in {report.seconds:.1f} s."
    )


@index_group.command("stats")
@click.option("--index", "index_dir", type=click.Path(path_type=Path), help="Index folder.")
@click.option("--json", "as_json", is_flag=True, help="Print the statistics as JSON.")
@click.pass_context
def stats_command(ctx, index_dir, as_json):
    """Show what the live index holds: model, counts, newest article, build time."""
    from index.errors import IndexMissing
    from index.store import read_manifest

    index_dir = index_dir or config_from(ctx).index_dir
    manifest = read_manifest(index_dir)
    if manifest is None:
        raise IndexMissing(index_dir)
    stats = {
        "articles": manifest["articles"],
        "chunks": manifest["chunks"],
        "model": manifest["model"],
        "dim": manifest["dim"],
        "built_at": manifest["built_at"],
        "newest_published": manifest.get("newest_published"),
        "sources": manifest.get("sources", []),
        "faiss": manifest.get("faiss"),
        "chunking": manifest["chunking"],
    }
    if as_json:
        click.echo(json.dumps(stats))
        return
    for key, value in stats.items():
        click.echo(f"{key:>17}: {value}")


@click.command("add")
@click.argument("sources", nargs=-1, metavar="[URL|FILE]...")
@click.option(
    "--feed",
    "feeds",
    multiple=True,
    metavar="URL",
    help="An RSS or Atom feed: add its entries the corpus lacks, oldest first (repeatable).",
)
@click.option("--corpus", "corpus_dir", type=click.Path(path_type=Path), help="Article folder.")
@click.option("--index", "index_dir", type=click.Path(path_type=Path), help="Index folder.")
@click.option("--no-index", is_flag=True, help="Only write the articles; leave the index as it is.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as one JSON object.")
@click.pass_context
def add_command(ctx, sources, feeds, corpus_dir, index_dir, no_index, as_json):
    """Add web pages, feed entries or local .md/.txt/.html files to the corpus, then update the
    index (only the new articles are embedded). Exit status 1 if any source failed."""
    from index.fetch import SafeFetcher
    from index.ingest import add_sources

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
        ctx.exit(1)


def _say_outcome(quiet: bool):
    from index.ingest import Added, Duplicate

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
    from index.build import build_index

    embedder = embedder_from(ctx)
    with _progress(enabled=not quiet and sys.stderr.isatty()) as (progress, stage):
        report = build_index(corpus_dir, index_dir, embedder, progress=progress, stage=stage)
    if not quiet:
        click.echo(
            f"Index updated: {report.articles} articles, {report.chunks} chunks in"
            f" {report.seconds:.1f} s (embedded {report.embedded}, reused {report.reused})."
        )
    return report


@click.group(cls=GeoqaGroup)
@click.option("-v", "--verbose", count=True, help="More logging (-vv for debug).")
def main_group(verbose: int) -> None:
    """geoqa's index commands."""
    setup_logging(verbose)


main_group.add_command(build_command)
main_group.add_command(stats_command)
main_group.add_command(export_onnx_command)
main_group.add_command(add_command)


def main() -> None:
    """Entry point of ``python -m index``."""
    main_group(prog_name="python -m index")
