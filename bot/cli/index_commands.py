"""``geoqa index build|stats|export-onnx``: build and inspect the search index."""

from __future__ import annotations

import json
from pathlib import Path

import click

from bot.cli.base import config_from, embedder_from, stores_from
from bot.cli.options import corpus_option, index_option, json_option, model_option, path_option
from bot.cli.progress import BuildProgress, on_terminal
from index.settings import EMBED_BACKENDS

FAISS_KINDS = ("auto", "flat", "ivf", "hnsw")  # index.store.vectors.KINDS, without loading faiss
DEVICES = ("cpu", "cuda")


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
    type=click.Choice(FAISS_KINDS),
    default="auto",
    show_default=True,
    help="Vector index of the local store: auto (exact up to 100,000 chunks, ivf above), flat"
    " (exact), ivf or hnsw (approximate).",
)
@click.option(
    "--backend",
    type=click.Choice(EMBED_BACKENDS),
    help="How the embedding model runs (default GEOQA_EMBED_BACKEND); an index is answered with"
    " the backend it was built with.",
)
@click.option(
    "--device",
    type=click.Choice(DEVICES),
    default="cpu",
    show_default=True,
    help="Where the torch model runs: cuda (fp16) needs a GPU that torch sees.",
)
@click.option("--strict", is_flag=True, help="Fail (exit 2) if any file is skipped.")
@click.option(
    "--if-stale", is_flag=True, help="Do nothing when the index is already current and whole."
)
@json_option("Print the summary as one JSON object.")
@click.pass_context
def build_command(
    ctx, corpus_dir, index_dir, model, faiss_kind, backend, device, strict, if_stale, as_json
):
    """Build (or rebuild) the index of the corpus; only new or changed chunks are embedded."""
    from index import CorpusError, build_index, load_corpus

    config = config_from(ctx)
    embedder = embedder_from(ctx, model, backend, device)
    corpus_dir = corpus_dir or config.corpus_dir
    index_dir = index_dir or config.index_dir
    stores = stores_from(ctx, index_dir)
    with BuildProgress(enabled=on_terminal(as_json)) as (progress, stage):
        try:
            report = build_index(
                corpus_dir,
                index_dir,
                embedder,
                target=stores.target(faiss_kind),
                strict=strict,
                if_stale=if_stale,
                progress=progress,
                stage=stage,
            )
        except CorpusError:
            for skipped in load_corpus(corpus_dir).skipped:
                click.echo(f"skipped {skipped}", err=True)
            raise
        finally:
            stores.close()
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
    from index import IndexMissing

    stores = stores_from(ctx, index_dir)
    try:
        manifest = stores.live_manifest()
    finally:
        stores.close()
    if manifest is None:
        raise IndexMissing(stores.index_dir if not stores.qdrant else config_from(ctx).qdrant_url)
    stats = {
        "articles": manifest.articles,
        "chunks": manifest.chunks,
        "model": manifest.model,
        "dim": manifest.dim,
        "built_at": manifest.built_at,
        "newest_published": manifest.newest_published,
        "sources": manifest.sources,
        "faiss": manifest.faiss,
        "faiss_params": manifest.faiss_params,
        "store": manifest.store,
        "chunking": manifest.chunking,
    }
    if as_json:
        click.echo(json.dumps(stats))
        return
    for key, value in stats.items():
        click.echo(f"{key:>17}: {value}")


@index_group.command("export-onnx")
@path_option("--out", "out_dir", help="Export folder (default GEOQA_ONNX_DIR).")
@model_option("Model to export: the packaged one or a local folder (default GEOQA_EMBED_MODEL).")
@click.option(
    "--if-stale",
    is_flag=True,
    help="Do nothing when the folder already holds a current export of the model, or when the"
    " model is not a local folder (it then runs on torch).",
)
@json_option()
@click.pass_context
def export_onnx_command(ctx, out_dir, model, if_stale, as_json):
    """Export the embedding model to ONNX with int8 weights, the default backend's model
    (offline; make setup does it once)."""
    from index.embedders.models import resolve_model
    from index.embedders.onnx_export import export_is_current, export_onnx

    config = config_from(ctx)
    out_dir = out_dir or config.onnx_dir
    model = model or config.model
    exportable = Path(resolve_model(model)[1]).is_dir()
    if if_stale and (not exportable or export_is_current(out_dir, model)):
        if as_json:
            click.echo(json.dumps({"folder": str(out_dir), "up_to_date": True}))
        elif exportable:
            click.echo(f"The ONNX export in {out_dir} is current.")
        else:
            click.echo(
                f"Nothing to export: {model} is not a local model folder (it runs on torch)."
            )
        return
    report = export_onnx(out_dir, quantize=True, model=model)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "folder": str(report.folder),
                    "model": report.model_id,
                    "source_model": report.source_model,
                    "bytes": report.bytes,
                    "seconds": round(report.seconds, 3),
                    "up_to_date": False,
                }
            )
        )
        return
    click.echo(
        f"Exported {report.source_model} to {report.folder} as {report.model_id}"
        f" ({report.bytes / 1e6:.1f} MB) in {report.seconds:.1f} s."
    )
