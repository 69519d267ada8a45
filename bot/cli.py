"""The ``geoqa`` console script. An edge: configuration is read here once; library errors become
one line on stderr and exit status 2."""

from __future__ import annotations

import json
from pathlib import Path

import click

from bot.eval_cli import eval_group
from index.cli import GeoqaGroup, add_command, config_from, index_group, setup_logging
from index.errors import GeoqaError
from index.search import Filters, parse_day
from index.settings import read_environment


@click.group(cls=GeoqaGroup)
@click.option("-v", "--verbose", count=True, help="More logging (-vv for debug).")
@click.pass_context
def cli(ctx: click.Context, verbose: int) -> None:
    """Answer questions about AI geopolitics with verbatim, cited quotes from news articles."""
    setup_logging(verbose)
    ctx.ensure_object(dict)
    ctx.obj["env"] = read_environment()


cli.add_command(index_group)
cli.add_command(add_command)
cli.add_command(eval_group)


def _day(_ctx, param, value: str | None):
    if value is None:
        return None
    try:
        return parse_day(value, f"--{param.name}")
    except GeoqaError as exc:
        raise click.BadParameter(str(exc).split(": ", 1)[-1]) from None


def answer_options(command):
    """Options shared by ``ask`` and ``repl``."""
    for option in reversed(
        [
            click.option(
                "--index", "index_dir", type=click.Path(path_type=Path), help="Index folder."
            ),
            click.option("--model", help="Embedding model: name or path."),
            click.option(
                "-k",
                "k",
                type=click.IntRange(1, 50),
                default=8,
                show_default=True,
                help="Chunks retrieved per question.",
            ),
            click.option("--source", help="Only articles from this outlet."),
            click.option("--since", callback=_day, help="Only articles published on/after."),
            click.option("--until", callback=_day, help="Only articles published on/before."),
        ]
    ):
        command = option(command)
    return command


def open_qa(ctx: click.Context, index_dir: Path | None, model: str | None):
    """Load the engine once: the index (checked against the model) and the embedding model."""
    from bot.qa import QA
    from index.onnx_backend import make_embedder

    config = config_from(ctx)
    embedder = make_embedder(config, model)
    return QA.open(index_dir or config.index_dir, embedder)


@cli.command("ask")
@click.argument("question")
@answer_options
@click.option("--json", "as_json", is_flag=True, help="Print the answer as one JSON object.")
@click.pass_context
def ask_command(ctx, question, index_dir, model, k, source, since, until, as_json):
    """Answer one QUESTION with verbatim, cited quotes."""
    from bot.qa import clean_question
    from bot.render import to_json, to_rich

    clean_question(question)  # reject bad input before loading anything
    qa = open_qa(ctx, index_dir, model)
    answer = qa.ask(question, Filters(source, since, until), k=k)
    if as_json:
        click.echo(json.dumps(to_json(answer), ensure_ascii=False))
        return
    from rich.console import Console

    Console().print(to_rich(answer))


@cli.command("repl")
@answer_options
@click.pass_context
def repl_command(ctx, index_dir, model, k, source, since, until):
    """Ask questions in an interactive terminal session."""
    from bot.repl import run_repl
    from bot.settings import ReplConfig

    qa = open_qa(ctx, index_dir, model)
    history = ReplConfig.from_env(ctx.obj["env"]).history_file
    run_repl(qa, k=k, filters=Filters(source, since, until), history_file=history)


@cli.command("discord")
@click.option("--index", "index_dir", type=click.Path(path_type=Path), help="Index folder.")
@click.option(
    "--sync-global",
    is_flag=True,
    help="Also sync slash commands globally (can take up to an hour to show).",
)
@click.pass_context
def discord_command(ctx, index_dir, sync_global):
    """Run the Discord bot (needs DISCORD_TOKEN in .env)."""
    from bot.discord_app import run_bot
    from bot.engine import Engine
    from bot.settings import DiscordConfig
    from index.fetch import SafeFetcher
    from index.onnx_backend import make_embedder

    config = config_from(ctx)
    discord_config = DiscordConfig.from_env(ctx.obj["env"])  # token checked before loading
    engine = Engine(
        config.corpus_dir,
        index_dir or config.index_dir,
        make_embedder(config),
        fetcher=SafeFetcher(allow_private=config.allow_private_urls),
    )
    engine.qa()  # load the index and model once, before connecting; a bad index fails here
    run_bot(engine, discord_config, sync_global=sync_global)


def main() -> None:
    """Entry point of the ``geoqa`` console script."""
    cli(prog_name="geoqa")


if __name__ == "__main__":
    main()
