"""``geoqa discord``: run the Discord bot."""

from __future__ import annotations

import click

from bot.cli.base import config_from, embedder_from, env_from, stores_from
from bot.cli.options import index_option


@click.command("discord")
@index_option()
@click.option(
    "--sync-global",
    is_flag=True,
    help="Also sync slash commands globally (can take up to an hour to show).",
)
@click.pass_context
def discord_command(ctx, index_dir, sync_global):
    """Run the Discord bot (needs DISCORD_TOKEN in .env)."""
    from bot.discord.client import run_bot
    from bot.engine import Engine
    from bot.questionlog import QuestionLog
    from bot.settings import DiscordConfig, log_questions
    from index import SafeFetcher

    config = config_from(ctx)
    discord_config = DiscordConfig.from_env(env_from(ctx))  # token checked before loading
    stores = stores_from(ctx, index_dir)
    questions = QuestionLog.beside(stores.index_dir) if log_questions(env_from(ctx)) else None
    engine = Engine(
        config.corpus_dir,
        stores.index_dir,
        embedder_from(ctx),
        fetcher=SafeFetcher(allow_private=config.allow_private_urls),
        feeds_file=config.feeds_file,
        stores=stores,
    )
    try:
        engine.qa()  # load the index and model once, before connecting: a bad index fails here
        run_bot(engine, discord_config, questions=questions, sync_global=sync_global)
    finally:
        stores.close()
