"""``geoqa eval retrieval|answers``: measure retrieval and answer quality on public data sets.

An edge: a missing or malformed data file is one line on stderr and exit status 2.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from index.cli import GeoqaGroup, embedder_from

EVAL_ROOT = Path("var") / "eval"
METRIC_LABELS = {
    "ndcg_at_10": "nDCG@10",
    "recall_at_10": "Recall@10",
    "recall_at_100": "Recall@100",
    "mrr_at_10": "MRR@10",
}


@click.group("eval", cls=GeoqaGroup)
def eval_group() -> None:
    """Measure retrieval and answer quality on public evaluation data sets."""


def _say(quiet: bool):
    """A stage reporter writing to stderr, silent with --json or off a terminal."""
    if quiet or not sys.stderr.isatty():
        return None
    return lambda message: click.echo(f"{message} …", err=True)


@eval_group.command("retrieval")
@click.option(
    "--beir",
    "beir_dir",
    required=True,
    type=click.Path(path_type=Path),
    help="BEIR folder: corpus.jsonl, queries.jsonl, qrels/test.tsv.",
)
@click.option(
    "--mode",
    type=click.Choice(["dense", "bm25", "hybrid"]),
    default="hybrid",
    show_default=True,
    help="FAISS only, BM25 only, or geoqa's fused search.",
)
@click.option(
    "--k",
    "k",
    type=click.IntRange(10, 1000),
    default=100,
    show_default=True,
    help="Documents retrieved per query.",
)
@click.option(
    "--index-dir",
    type=click.Path(path_type=Path),
    help="Index folder for the data set (default var/eval/<folder name>); reused when current.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as one JSON object.")
@click.pass_context
def retrieval_command(ctx, beir_dir, mode, k, index_dir, as_json):
    """nDCG@10, Recall@10, Recall@100 and MRR@10 of the index's retrieval on a BEIR data set."""
    from index.eval import evaluate_retrieval

    index_dir = index_dir or EVAL_ROOT / beir_dir.resolve().name
    report = evaluate_retrieval(
        beir_dir, index_dir, embedder_from(ctx), mode, k, stage=_say(as_json)
    )
    if as_json:
        click.echo(json.dumps(report.as_json()))
        return
    click.echo(
        f"{report.dataset}: {report.queries} queries, {report.documents} documents, mode {mode}"
    )
    for key, label in METRIC_LABELS.items():
        click.echo(f"  {label:<11}{report.metrics[key]:.4f}")


@eval_group.command("answers")
@click.option(
    "--rgb",
    "rgb_file",
    required=True,
    type=click.Path(path_type=Path),
    help="RGB file: one JSON object per line (query, answer, positive, negative).",
)
@click.option(
    "--index-dir",
    type=click.Path(path_type=Path),
    help="Index folder rebuilt per question (default var/eval/<file name>); keeps the cache.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the rates as one JSON object.")
@click.pass_context
def answers_command(ctx, rgb_file, index_dir, as_json):
    """Accuracy, refusal rate and verbatim-quote rate of answers on RGB questions."""
    from bot.eval import evaluate_answers

    index_dir = index_dir or EVAL_ROOT / rgb_file.stem
    show = not as_json and sys.stderr.isatty()
    report = evaluate_answers(rgb_file, index_dir, embedder_from(ctx), _counter() if show else None)
    if as_json:
        click.echo(json.dumps(report.as_json()))
        return
    click.echo(f"{rgb_file.name}: {report.n} questions")
    click.echo(f"  accuracy       {report.accuracy:.4f}  ({report.correct}/{report.n})")
    click.echo(
        f"  refusal rate   {report.refusal_rate:.4f}  ({report.refused}/{report.refusal_cases},"
        " negative passages only)"
    )
    click.echo(f"  verbatim rate  {report.verbatim_rate:.4f}  ({report.verbatim}/{report.quotes})")


def _counter():
    def progress(done: int, total: int) -> None:
        click.echo(f"\rquestion {done}/{total}", nl=False, err=True)
        if done == total:
            click.echo(err=True)

    return progress
