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
@path_option("--rgb", "rgb_file", help="RGB file: one JSON object per line (query, answer, …).")
@path_option(
    "--natural",
    "natural_file",
    help="Questions as people type them (questions.json: answerable, near_miss, off_topic).",
)
@corpus_option(
    "With --natural: article folder to answer from (repeatable; default the file's corpus/ and"
    " GEOQA_CORPUS_DIR).",
    multiple=True,
)
@index_option(
    "Index folder (default var/eval/<RGB file name> or var/eval/natural-<questions folder>); its"
    " embedding cache is reused."
)
@json_option("Print the rates as one JSON object.")
@click.pass_context
def answers_command(ctx, rgb_file, natural_file, corpus_dir, index_dir, as_json):
    """Answer quality: RGB accuracy, refusals and verbatim quotes, or a natural question set
    (answered, near misses and off-topic questions refused), each by question kind."""
    if (rgb_file is None) == (natural_file is None):
        raise click.UsageError("give one of --rgb FILE or --natural FILE")
    if rgb_file is not None:
        _rgb(ctx, rgb_file, index_dir, as_json)
    else:
        _natural(ctx, natural_file, list(corpus_dir), index_dir, as_json)


def _rgb(ctx, rgb_file: Path, index_dir: Path | None, as_json: bool) -> None:
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
    _kinds(report.kinds)


def _natural(ctx, path: Path, corpora: list[Path], index_dir: Path | None, as_json: bool) -> None:
    from bot.eval_natural import evaluate_natural

    corpora = corpora or [path.parent / "corpus", config_from(ctx).corpus_dir]
    index_dir = index_dir or EVAL_ROOT / f"natural-{path.parent.name}"
    report = evaluate_natural(path, corpora, index_dir, embedder_from(ctx), counter(as_json))
    if as_json:
        click.echo(json.dumps({**report.as_json(), "rows": report.rows}, ensure_ascii=False))
        return
    labels = {
        "answerable": "answered",
        "near_miss": "near misses refused",
        "off_topic": "off-topic refused",
    }
    for group, (right, n) in report.groups.items():
        click.echo(f"  {labels.get(group, group):<20} {right}/{n}")
    click.echo(f"  verbatim rate        {report.verbatim_rate:.4f}")
    _kinds(report.kinds)
    for row in report.rows:
        if not row["right"]:
            click.echo(f"  wrong ({row['group']}, {row['kind']}): {row['q']} → {row['lead']}")


def _kinds(kinds: dict[str, list[int]]) -> None:
    click.echo("  by kind: " + ", ".join(f"{k} {r}/{n}" for k, (r, n) in sorted(kinds.items())))


@eval_group.command("calibrate")
@path_option("--rgb", "rgb_file", required=True, help="RGB file to fit the answer model on.")
@path_option(
    "--cases",
    "cases_file",
    required=True,
    help='Questions over a corpus: {"answerable": [{"q", "expect"}], "unanswerable": [{"q"}]}.',
)
@corpus_option(
    "Article folder the --cases are asked over (repeatable; default GEOQA_CORPUS_DIR).",
    multiple=True,
)
@index_option("Index folder for the data (default var/eval/calibration); keeps the cache.")
@json_option("Print the fitted model and its accuracy as one JSON object.")
@click.pass_context
def calibrate_command(ctx, rgb_file, cases_file, corpus_dir, index_dir, as_json):
    """Fit the answer model (bot/scoring.py) on RGB and a question set: the ranking weights, and
    the threshold and off-topic cosine with the best balanced accuracy. Prints them; nothing is
    changed."""
    from bot.calibrate import calibrate_on

    corpora = list(corpus_dir) or [config_from(ctx).corpus_dir]
    index_dir = index_dir or EVAL_ROOT / "calibration"
    result = calibrate_on(rgb_file, cases_file, corpora, index_dir, embedder_from(ctx))
    if as_json:
        click.echo(json.dumps(result.as_json()))
        return
    click.echo(repr(result.model))
    for group, share in result.accuracy.items():
        click.echo(f"  {group:<26} {share:.4f}")
