"""Driving the geoqa Discord bot against the stand-in: a recording engine, the bot's settings,
running a scenario, slash commands, and a stand-in served from its own thread."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import threading

from bot.answer import Answer, Quote, Source
from bot.discord.client import GeoqaBot
from bot.engine import Engine
from bot.settings import DiscordConfig
from tests.support.discord import DiscordStandIn, running_client
from tests.support.paths import SEED_ID
from tests.support.verify import VerifyingQA

CALLBACK = r"/interactions/\d+/[^/]+/callback"
FOLLOWUP = r"/webhooks/\d+/[^/]+"
ORIGINAL = r"/webhooks/\d+/[^/]+/messages/@original"
EPHEMERAL = 64
QUESTION = "Who is in the AI Alliance Network?"


class RecordingEngine(Engine):
    """The real engine, noting which thread each question ran on and the context it was asked
    with."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, qa_factory=VerifyingQA.open, **kwargs)
        self.threads: list[str] = []
        self.asked: list[tuple[str, tuple[str, ...]]] = []

    def ask(self, question, filters=None, context=()):
        self.threads.append(threading.current_thread().name)
        self.asked.append((question, tuple(context)))
        return super().ask(question, filters, context)


def config(server: DiscordStandIn, **changes) -> DiscordConfig:
    base = DiscordConfig(
        token=server.token,
        guild_id=server.guild_id,
        cooldown_s=0,
        concurrency=2,
        admin_role_ids=frozenset(),
        admin_user_ids=frozenset(),
    )
    return dataclasses.replace(base, **changes)


def run_bot(engine: Engine, scenario, questions=None, **config_changes) -> None:
    """Start the real bot against a fresh stand-in, run ``scenario(server, bot)``, shut down.
    ``questions`` is the bot's question log (none by default)."""

    async def main():
        async with (
            DiscordStandIn() as server,
            running_geoqa(server, engine, questions, **config_changes) as bot,
        ):
            await scenario(server, bot)

    asyncio.run(asyncio.wait_for(main(), 90))


@contextlib.asynccontextmanager
async def running_geoqa(server, engine: Engine, questions=None, **config_changes):
    """A ready geoqa bot on ``server`` (start one again on the same stand-in for a restart)."""
    bot = GeoqaBot(
        engine, config(server, **config_changes), questions=questions, guild_ready_timeout=0.05
    )
    async with running_client(bot, server.token):
        yield bot


def embed_text(request) -> str:
    return "\n".join(
        f"{e.get('title', '')}\n{e.get('description', '')}" for e in request.json["embeds"]
    )


async def slash(server, name, options=None, user=None, guild=True):
    mark = server.mark()
    await server.dispatch(
        "INTERACTION_CREATE",
        server.slash_command_interaction(name, options, user=user, guild=guild),
    )
    return mark


def long_answer(store) -> Answer:
    """A real answer of many whole paragraphs of the seed article (verbatim spans)."""
    text = store.text(SEED_ID)
    quotes, start = [], 0
    for paragraph in text.split("\n\n"):
        start = text.index(paragraph, start)
        if not paragraph.startswith("#"):
            quotes.append(Quote(1, paragraph, SEED_ID, start, start + len(paragraph), 1.0))
        start += len(paragraph)
    info = store.by_id[SEED_ID]
    source = Source(1, SEED_ID, info.title, info.source, info.url, info.published)
    return Answer("Tell me everything", True, quotes[0].text[:80], quotes * 3, [source])


@contextlib.contextmanager
def standin_in_a_thread():
    """A stand-in served from its own thread and loop, for a bot running elsewhere."""
    ready = threading.Event()
    box: dict = {}

    def serve():
        async def main():
            async with DiscordStandIn() as server:
                box.update(server=server, loop=asyncio.get_running_loop())
                box["done"] = box["loop"].create_future()
                ready.set()
                await box["done"]

        asyncio.run(main())

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert ready.wait(10)
    try:
        yield box["server"], box["loop"]
    finally:
        box["loop"].call_soon_threadsafe(box["done"].set_result, None)
        thread.join(10)


async def edited_to(server, text: str, after: int, timeout: float = 60):
    """The first edit of an interaction's original message whose content holds ``text``."""
    return await server.wait_for_request(
        "PATCH",
        ORIGINAL,
        after=after,
        timeout=timeout,
        where=lambda r: text in (r.json or {}).get("content", ""),
    )
