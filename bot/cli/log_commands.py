"""``geoqa log stats|unanswered|export``: what users ask, what is refused, and their feedback,
from the question log beside the index (:mod:`bot.questionlog`)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from bot.cli.base import config_from
from bot.cli.options import day_option, index_option, json_option


@click.group("log")
def log_group() -> None:
    """Read the question log: statistics, refused questions, an export."""


def _log(ctx: click.Context, index_dir: Path | None):
    from bot.questionlog import QuestionLog

    return QuestionLog.beside(index_dir or config_from(ctx).index_dir)


def stats_json(stats) -> dict:
    """The ``geoqa log stats --json`` object."""
    return {
        "questions": stats.questions,
        "answered": stats.answered,
        "answered_share": round(stats.answered_share, 4),
        "per_day": [{"day": day, "questions": n} for day, n in stats.per_day],
        "feedback": {"up": stats.up, "down": stats.down},
        "refused": stats.reasons,
        "slowest": [
            {"question": s.question, "latency_ms": s.latency_ms, "asked_at": s.asked_at}
            for s in stats.slowest
        ],
    }


def stats_text(stats) -> str:
    """The statistics for people."""
    lines = [
        f"questions  {stats.questions} ({stats.answered} answered, {stats.answered_share:.0%})",
        f"feedback   👍 {stats.up}  👎 {stats.down}",
    ]
    if stats.reasons:
        refused = ", ".join(f"{reason} {n}" for reason, n in stats.reasons.items())
        lines.append(f"refused    {refused}")
    if stats.per_day:
        lines.append("per day")
        lines.extend(f"  {day}  {n}" for day, n in stats.per_day)
    if stats.slowest:
        lines.append("slowest")
        lines.extend(f"  {s.latency_ms / 1000:6.2f} s  {s.question}" for s in stats.slowest)
    return "\n".join(lines)


@log_group.command("stats")
@index_option()
@day_option("since", "Only questions asked on/after this day (YYYY-MM-DD, UTC).")
@json_option("Print the statistics as one JSON object.")
@click.pass_context
def stats_command(ctx, index_dir, since, as_json):
    """Questions per day, the answered share, feedback and the slowest questions."""
    stats = _log(ctx, index_dir).stats(since)
    click.echo(json.dumps(stats_json(stats), ensure_ascii=False) if as_json else stats_text(stats))


@log_group.command("unanswered")
@index_option()
@click.option(
    "--limit", type=click.IntRange(1), default=20, show_default=True, help="Questions shown."
)
@json_option("Print the questions as one JSON object.")
@click.pass_context
def unanswered_command(ctx, index_dir, limit, as_json):
    """The refused questions, most frequent first: what articles to add next."""
    listed = _log(ctx, index_dir).unanswered(limit)
    if as_json:
        rows = [
            {
                "question": u.question,
                "count": u.count,
                "last_asked": u.last_asked,
                "reason": u.reason,
            }
            for u in listed
        ]
        click.echo(json.dumps({"unanswered": rows}, ensure_ascii=False))
        return
    if not listed:
        click.echo("no refused questions logged")
    for u in listed:
        click.echo(
            f"{u.count:4}×  {u.question}  ({u.reason or 'refused'}, last {u.last_asked[:10]})"
        )


@log_group.command("export")
@index_option()
@click.option(
    "--jsonl", "jsonl", is_flag=True, default=True, help="One JSON object per line (the default)."
)
@click.pass_context
def export_command(ctx, index_dir, jsonl):
    """Every logged question with its answer and votes, one JSON object per line (no member
    hashes): to grow an evaluation set."""
    for row in _log(ctx, index_dir).export():
        click.echo(json.dumps(row, ensure_ascii=False))
