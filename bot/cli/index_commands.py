"""``geoqa index build|stats|export-onnx``: build and inspect the search index."""

from __future__ import annotations

import json

import click

from bot.cli.base import config_from, embedder_from
from bot.cli.options import corpus_option, index_option, json_option, model_option, path_option
from bot.cli.progress import BuildProgress, on_terminal


@click.group("index")
def index_group() -> None:
    """Build and inspect the search index."""


@index_group.command("build")
@corpus_option()
@index_option()
@model_option()
@click.option(
    "--faiss",
    "faiss_kind",
    type=click.Choice(["flat", "hnsw"]),
    default="flat",
    show_default=True,
    help="Exact (flat) or approximate (hnsw) vector index.",
)
@click.option("--strict", is_flag=True, help="Fail (exit 2) if any file is skipped.")
@click.option("--if-stale", is_flag=True, help="Do nothing when the index is already current.")
@json_option("Print the summary as one JSON object.")
@click.pass_context
def build_command(ctx, corpus_dir, index_dir, model, faiss_kind, strict, if_stale, as_json):
    """Build (or rebuild) the index of the corpus; only new or changed chunks are embedded."""
    from index import CorpusError, build_index, load_corpus

    config = config_from(ctx)
    embedder = embedder_from(ctx, model)
    corpus_dir = corpus_dir or config.corpus_dir
    index_dir = index_dir or config.index_dir
    with BuildProgress(enabled=on_terminal(as_json)) as (progress, stage):
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
            for skipped in load_corpus(corpus_dir).skipped:
                click.echo(f"skipped {skipped}", err=True)
            raise
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


@index_group.command("stats")
@index_option()
@json_option("Print the statistics as JSON.")
@click.pass_context
def stats_command(ctx, index_dir, as_json):
    """Show what the live index holds: model, counts, newest article, build time."""
    from index import IndexMissing, read_manifest

    index_dir = index_dir or config_from(ctx).index_dir
    manifest = read_manifest(index_dir)
    if manifest is None:
        raise IndexMissing(index_dir)
    stats = {
        "articles": manifest.articles,
        "chunks": manifest.chunks,
        "model": manifest.model,
        "dim": manifest.dim,
        "built_at": manifest.built_at,
        "newest_published": manifest.newest_published,
        "sources": manifest.sources,
        "faiss": manifest.faiss,
        "chunking": manifest.chunking,
    }
    if as_json:
        click.echo(json.dumps(stats))
        return
    for key, value in stats.items():
        click.echo(f"{key:>17}: {value}")


@index_group.command("export-onnx")
@path_option("--out", "out_dir", help="Export folder (default GEOQA_ONNX_DIR).")
@json_option()
@click.pass_context
def export_onnx_command(ctx, out_dir, as_json):
    """Export the embedding model to ONNX with int8 weights, for GEOQA_EMBED_BACKEND=onnx-int8
    (offline; needs the onnx extra)."""
    from index import export_onnx

    config = config_from(ctx)
    report = export_onnx(out_dir or config.onnx_dir, quantize=True, model=config.model)
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
