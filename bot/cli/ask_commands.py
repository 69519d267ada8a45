"""``geoqa ask`` (one question) and ``geoqa repl`` (the interactive terminal session)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from bot.cli.base import config_from, embedder_from, env_from, stores_from
from bot.cli.options import (
    filter_options,
    index_option,
    json_option,
    log_option,
    model_option,
    top_k_option,
)


def answer_options(command):
    """Options shared by ``ask`` and ``repl``."""
    command = filter_options(command)
    command = top_k_option(8, 1, 50, "Chunks retrieved per question.")(command)
    command = model_option()(command)
    return index_option()(command)


def open_qa(ctx: click.Context, index_dir: Path | None, model: str | None):
    """Load the engine once: the index in the configured store (checked against the model and
    for damage) and the embedding model."""
    from bot.qa import QA
    from index import DEFAULT_CHUNKING

    embedder = embedder_from(ctx, model)
    stores = stores_from(ctx, index_dir)
    ctx.call_on_close(stores.close)
    return QA(stores.open(embedder.model_id, DEFAULT_CHUNKING.as_dict()), embedder)


def question_log(ctx: click.Context, index_dir: Path | None, wanted: bool):
    """The question log when ``--log`` asked for it and ``GEOQA_LOG_QUESTIONS`` allows it."""
    from bot.questionlog import QuestionLog
    from bot.settings import log_questions

    if not wanted or not log_questions(env_from(ctx)):
        return None
    return QuestionLog.beside(index_dir or config_from(ctx).index_dir)


@click.command("ask")
@click.argument("question")
@answer_options
@json_option("Print the answer as one JSON object.")
@log_option()
@click.pass_context
def ask_command(ctx, question, index_dir, model, k, source, since, until, as_json, log_question):
    """Answer one QUESTION with verbatim, cited quotes."""
    from bot.qa import clean_question
    from bot.questionlog import CLI
    from index import Filters

    clean_question(question)  # reject bad input before loading anything
    qa = open_qa(ctx, index_dir, model)
    started = time.perf_counter()
    answer = qa.ask(question, Filters(source, since, until), k=k)
    log = question_log(ctx, index_dir, log_question)
    if log is not None:
        log.record(answer, channel=CLI, latency_s=time.perf_counter() - started)
    if as_json:
        from bot.render.json import to_json

        click.echo(json.dumps(to_json(answer), ensure_ascii=False))
        return
    from rich.console import Console

    from bot.render.terminal import to_rich

    Console().print(to_rich(answer))


@click.command("repl")
@answer_options
@log_option()
@click.pass_context
def repl_command(ctx, index_dir, model, k, source, since, until, log_question):
    """Ask questions in an interactive terminal session."""
    from bot.repl import run_repl
    from bot.settings import ReplConfig
    from index import Filters

    qa = open_qa(ctx, index_dir, model)
    history = ReplConfig.from_env(env_from(ctx)).history_file
    log = question_log(ctx, index_dir, log_question)
    run_repl(qa, k=k, filters=Filters(source, since, until), history_file=history, log=log)
