"""``geoqa eval retrieval|answers|calibrate``: measure retrieval and answer quality."""

from __future__ import annotations

import json
from pathlib import Path

import click

from bot.cli.base import config_from, embedder_from
from bot.cli.options import corpus_option, index_option, json_option, path_option, top_k_option
from bot.cli.progress import counter, stage_reporter

EVAL_ROOT = Path("var") / "eval"
METRIC_LABELS = {
    "ndcg_at_10": "nDCG@10",
    "recall_at_10": "Recall@10",
    "recall_at_100": "Recall@100",
    "mrr_at_10": "MRR@10",
}


@click.group("eval")
def eval_group() -> None:
    """Measure retrieval and answer quality on evaluation data sets."""


@eval_group.command("retrieval")
@path_option(
    "--beir", "beir_dir", required=True, help="BEIR folder: corpus.jsonl, queries.jsonl, qrels/."
)
@click.option(
    "--mode",
    type=click.Choice(["dense", "bm25", "hybrid"]),
    default="hybrid",
    show_default=True,
    help="FAISS only, BM25 only, or geoqa's fused search.",
)
@top_k_option(100, 10, 1000, "Documents retrieved per query.")
@index_option("Index folder for the data set (default var/eval/<folder name>); reused if current.")
@json_option("Print the metrics as one JSON object.")
@click.pass_context
def retrieval_command(ctx, beir_dir, mode, k, index_dir, as_json):
    """nDCG@10, Recall@10, Recall@100 and MRR@10 of the index's retrieval on a BEIR data set."""
    from index import evaluate_retrieval

    index_dir = index_dir or EVAL_ROOT / beir_dir.resolve().name
    report = evaluate_retrieval(
        beir_dir, index_dir, embedder_from(ctx), mode, k, stage=stage_reporter(as_json)
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
@path_option(
    "--rgb",
    "rgb_file",
    required=True,
    help="RGB file: one JSON object per line (query, answer, positive, negative).",
)
@index_option("Index folder rebuilt per question (default var/eval/<file name>); keeps the cache.")
@json_option("Print the rates as one JSON object.")
@click.pass_context
def answers_command(ctx, rgb_file, index_dir, as_json):
    """Accuracy, refusal rate and verbatim-quote rate of answers on RGB questions."""
    from bot.eval import evaluate_answers

    index_dir = index_dir or EVAL_ROOT / rgb_file.stem
    report = evaluate_answers(rgb_file, index_dir, embedder_from(ctx), counter(as_json))
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


@eval_group.command("calibrate")
@path_option(
    "--cases",
    "cases_file",
    required=True,
    help='Questions: {"answerable": [{"q", "expect"}], "unanswerable": [{"q"}]}.',
)
@corpus_option(
    "Article folder to answer from (repeatable; default GEOQA_CORPUS_DIR).", multiple=True
)
@index_option("Index folder for the calibration corpus (default var/eval/calibration).")
@json_option("Print the summary and every question's score as one JSON object.")
@click.pass_context
def calibrate_command(ctx, cases_file, corpus_dir, index_dir, as_json):
    """The accuracy of the "found" threshold on answerable and unanswerable questions, and the
    threshold that would do best."""
    from bot.eval import calibrate

    corpora = list(corpus_dir) or [config_from(ctx).corpus_dir]
    index_dir = index_dir or EVAL_ROOT / "calibration"
    result = calibrate(cases_file, corpora, index_dir, embedder_from(ctx))
    if as_json:
        click.echo(json.dumps({**result.as_json(), "rows": result.rows}))
        return
    for row in sorted(result.rows, key=lambda r: -r["best"]):
        mark = ("quoted" if row["quoted"] else "MISSED") if row["answerable"] else "-"
        click.echo(f"{row['best']:.3f}  {'A' if row['answerable'] else 'U'}  {mark:6}  {row['q']}")
    click.echo(json.dumps(result.as_json()))
