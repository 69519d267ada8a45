"""The Discord bot: /ask, /sources, /help, /reindex, mentions and direct messages.

Dependencies come in through the constructor (the engine and the settings), as in discord.py's
``advanced_startup`` example. Interactions are acknowledged at once (``defer``) and the QA work
runs in a worker thread, a bounded number at a time, so the event loop is never blocked.
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
import signal
import time
from pathlib import Path

import aiohttp
import discord
import discord.gateway
import discord.http
from discord import app_commands

from bot.discord_render import safe, to_embeds
from bot.engine import Engine
from bot.qa import Answer, clean_question
from bot.settings import DISCORD_TOKEN, DiscordConfig
from index.errors import ConfigError, GeoqaError
from index.search import Filters, parse_day

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
PROGRESS_EVERY_S = 2.0
HELP_TEXT = (
    "Ask about AI geopolitics — the US–China AI race, export controls, the AI Alliance Network, "
    "regulation — and get verbatim, cited quotes from the indexed news articles.\n\n"
    "`/ask question:` ask (optionally only one `source` outlet, or articles `since` YYYY-MM-DD)\n"
    "`/sources` what is indexed\n"
    "`/reindex` rebuild the index from the corpus (server managers and configured admins)\n"
    "`/add url:` add a news article by its URL and index it (the same admins)\n\n"
    "You can also mention me with a question, or send me a direct message."
)


class Cooldown:
    """One question per member every ``seconds``."""

    def __init__(self, seconds: float, clock=time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._last: dict[int, float] = {}

    def wait(self, user_id: int) -> float:
        """Seconds left to wait (0.0 means go ahead, and the clock restarts for this member)."""
        now = self._clock()
        left = self._last.get(user_id, -math.inf) + self.seconds - now
        if left > 0:
            return left
        self._last[user_id] = now
        return 0.0


def strip_bot_mention(content: str, bot_id: int) -> str:
    """The message text without mentions of the bot."""
    return re.sub(rf"<@!?{bot_id}>", " ", content).strip()


class GeoqaBot(discord.Client):
    """The geoqa Discord client, given its engine and settings."""

    def __init__(
        self, engine: Engine, config: DiscordConfig, *, sync_global: bool = False, **options
    ) -> None:
        # Default intents suffice: mentions and DMs carry their content without the privileged
        # message-content intent.
        super().__init__(intents=discord.Intents.default(), allowed_mentions=NO_MENTIONS, **options)
        self.engine = engine
        self.config = config
        self.sync_global = sync_global
        self.cooldown = Cooldown(config.cooldown_s)
        self.limiter = asyncio.Semaphore(config.concurrency)
        self.rebuild_task: asyncio.Task | None = None
        self.tree = app_commands.CommandTree(self)
        commands = (ask_command, sources_command, help_command, reindex_command, add_command)
        for command in commands:
            self.tree.add_command(command)
        self.tree.on_error = self.on_app_command_error

    async def setup_hook(self) -> None:
        """Sync slash commands: to the dev guild if configured, globally only when asked."""
        if self.config.guild_id is not None:
            guild = discord.Object(self.config.guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d commands to guild %s", len(synced), self.config.guild_id)
        if self.sync_global:
            synced = await self.tree.sync()
            log.info("synced %d commands globally", len(synced))
        elif self.config.guild_id is None:
            log.warning("commands not synced: set GEOQA_DISCORD_GUILD_ID or use --sync-global")

    async def answer(self, question: str, filters: Filters | None = None) -> Answer:
        """Answer in a worker thread, at most ``concurrency`` at once."""
        async with self.limiter:
            return await asyncio.to_thread(self.engine.ask, question, filters)

    def built_at(self) -> str:
        """When the live index was built."""
        return self.engine.stats().built_at

    def is_admin(self, user: discord.User | discord.Member) -> bool:
        """Manage Server permission, a configured admin role, or a configured admin user."""
        if user.id in self.config.admin_user_ids:
            return True
        if isinstance(user, discord.Member):
            if user.guild_permissions.manage_guild:
                return True
            return any(role.id in self.config.admin_role_ids for role in user.roles)
        return False

    async def on_message(self, message: discord.Message) -> None:
        """Answer mentions in channels and every direct message; ignore bots."""
        if message.author.bot or self.user is None or message.author.id == self.user.id:
            return
        in_dm = message.guild is None
        if not in_dm and not any(u.id == self.user.id for u in message.mentions):
            return
        question = strip_bot_mention(message.content, self.user.id)
        try:
            question = clean_question(question)
        except GeoqaError as exc:
            await message.reply(
                f"{safe(str(exc)).capitalize()}. {HELP_TEXT}",
                mention_author=False,
                allowed_mentions=NO_MENTIONS,
            )
            return
        wait = self.cooldown.wait(message.author.id)
        if wait:
            await message.reply(
                f"Please wait {math.ceil(wait)} s before asking again.",
                mention_author=False,
                allowed_mentions=NO_MENTIONS,
            )
            return
        log.info("question from %s in %s", message.author.id, "DM" if in_dm else message.guild.id)
        async with message.channel.typing():
            try:
                answer = await self.answer(question)
            except GeoqaError as exc:
                log.info("question failed: %s", exc)
                await message.reply(
                    f"Sorry: {safe(str(exc))}", mention_author=False, allowed_mentions=NO_MENTIONS
                )
                return
        for i, embeds in enumerate(to_embeds(answer, self.built_at()).messages):
            if i == 0:
                await message.reply(
                    embeds=embeds, mention_author=False, allowed_mentions=NO_MENTIONS
                )
            else:
                await message.channel.send(embeds=embeds, allowed_mentions=NO_MENTIONS)

    async def on_app_command_error(self, interaction: discord.Interaction, error) -> None:
        """Unexpected failures: logged with their traceback, a short ephemeral reply."""
        log.error(
            "command %s failed", interaction.command and interaction.command.name, exc_info=error
        )
        await reply_privately(interaction, "Something went wrong; the error was logged.")

    def busy(self) -> bool:
        """Whether a rebuild (from /reindex or /add) is running."""
        return self.rebuild_task is not None and not self.rebuild_task.done()

    def start_add(self, interaction: discord.Interaction, url: str) -> None:
        """Fetch ``url`` and rebuild in the background, editing ``interaction``'s message."""
        self.rebuild_task = asyncio.create_task(self._add(interaction, url))

    async def _add(self, interaction: discord.Interaction, url: str) -> None:
        try:
            report = await asyncio.to_thread(self.engine.add_url, url)
        except GeoqaError as exc:
            log.info("/add failed: %s", exc)
            await interaction.edit_original_response(content=f"Could not add it: {safe(str(exc))}")
            return
        if report.failed:
            message = f"Could not add {safe(url)}: {safe(report.failed[0].reason)}"
        elif report.duplicates:
            message = f"Already in the corpus: {safe(Path(report.duplicates[0].path).name)}"
        else:
            added, index = report.added[0], report.index
            message = (
                f"Added “{safe(added.title)}”; the index now has {index.articles} articles "
                f"({index.embedded} new chunks embedded)."
            )
        await interaction.edit_original_response(content=message)

    def start_rebuild(self, interaction: discord.Interaction) -> None:
        """Rebuild in the background, editing ``interaction``'s message with progress."""
        self.rebuild_task = asyncio.create_task(self._rebuild(interaction))

    async def _rebuild(self, interaction: discord.Interaction) -> None:
        state = {"done": 0, "total": 0}

        def progress(done: int, total: int) -> None:  # called in the worker thread
            state.update(done=done, total=total)

        work = asyncio.create_task(asyncio.to_thread(self.engine.rebuild, progress))
        while not work.done():
            await asyncio.wait({work}, timeout=PROGRESS_EVERY_S)
            if not work.done():
                await interaction.edit_original_response(
                    content=f"Rebuilding the index… embedded {state['done']}/{state['total']} "
                    "new chunks; questions are answered from the current index meanwhile."
                )
        try:
            report = work.result()
        except GeoqaError as exc:
            log.info("rebuild failed: %s", exc)
            await interaction.edit_original_response(content=f"Rebuild failed: {safe(str(exc))}")
            return
        await interaction.edit_original_response(
            content=f"Index rebuilt: {report.articles} articles, {report.chunks} chunks "
            f"(embedded {report.embedded}, reused {report.reused}, skipped {len(report.skipped)} "
            f"files) in {report.seconds:.1f} s."
        )


async def reply_privately(interaction: discord.Interaction, text: str) -> None:
    """An ephemeral reply, whether or not the interaction was answered already."""
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
    else:
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)


@app_commands.command(name="ask", description="Ask a question; get verbatim, cited quotes.")
@app_commands.describe(
    question="Your question",
    source="Only articles from this outlet",
    since="Only articles published on or after this date (YYYY-MM-DD)",
)
async def ask_command(
    interaction: discord.Interaction,
    question: app_commands.Range[str, 1, 500],
    source: str | None = None,
    since: str | None = None,
) -> None:
    """/ask: validate, check the cooldown, defer, answer in a thread, send embeds."""
    bot: GeoqaBot = interaction.client  # type: ignore[assignment]
    try:
        question = clean_question(question)
        filters = Filters(source=source, since=parse_day(since, "since") if since else None)
    except GeoqaError as exc:
        log.info("rejected /ask from %s: %s", interaction.user.id, exc)
        await reply_privately(interaction, f"{safe(str(exc))}")
        return
    wait = bot.cooldown.wait(interaction.user.id)
    if wait:
        await reply_privately(interaction, f"Please wait {math.ceil(wait)} s before asking again.")
        return
    await interaction.response.defer(thinking=True)
    log.info("/ask from %s", interaction.user.id)
    try:
        answer = await bot.answer(question, filters)
    except GeoqaError as exc:
        log.info("/ask failed: %s", exc)
        await reply_privately(interaction, f"Sorry: {safe(str(exc))}")
        return
    for embeds in to_embeds(answer, bot.built_at()).messages:
        await interaction.followup.send(embeds=embeds, allowed_mentions=NO_MENTIONS)


@app_commands.command(name="sources", description="What is indexed: articles, dates, model.")
async def sources_command(interaction: discord.Interaction) -> None:
    """/sources: counts and dates of the live index."""
    bot: GeoqaBot = interaction.client  # type: ignore[assignment]
    stats = bot.engine.stats()
    embed = discord.Embed(title="Indexed articles", colour=0x2B7A78)
    embed.add_field(name="Articles", value=str(stats.articles))
    embed.add_field(name="Chunks", value=str(stats.chunks))
    embed.add_field(name="Newest article", value=stats.newest_published or "unknown")
    embed.add_field(name="Index built", value=stats.built_at)
    embed.add_field(name="Model", value=safe(stats.model), inline=False)
    await interaction.response.send_message(embed=embed, allowed_mentions=NO_MENTIONS)


@app_commands.command(name="help", description="How to ask geoqa.")
async def help_command(interaction: discord.Interaction) -> None:
    """/help."""
    await interaction.response.send_message(HELP_TEXT, ephemeral=True, allowed_mentions=NO_MENTIONS)


async def may_rebuild(interaction: discord.Interaction, bot: GeoqaBot) -> bool:
    """Admins only, and one rebuild at a time; anyone else gets an ephemeral reason."""
    name = interaction.command.name if interaction.command else "command"
    if not bot.is_admin(interaction.user):
        log.info("/%s refused for %s", name, interaction.user.id)
        await reply_privately(
            interaction, "Only members with Manage Server or a configured admin role can do that."
        )
        return False
    if bot.busy():
        await reply_privately(
            interaction, "A rebuild is already running; try again when it is done."
        )
        return False
    return True


@app_commands.command(name="reindex", description="Rebuild the index from the corpus (admins).")
async def reindex_command(interaction: discord.Interaction) -> None:
    """/reindex: admins only, one at a time, in the background."""
    bot: GeoqaBot = interaction.client  # type: ignore[assignment]
    if not await may_rebuild(interaction, bot):
        return
    await interaction.response.send_message(
        "Rebuilding the index… questions are answered from the current index meanwhile.",
        allowed_mentions=NO_MENTIONS,
    )
    bot.start_rebuild(interaction)


@app_commands.command(name="add", description="Add a news article by URL and index it (admins).")
@app_commands.describe(url="The article's web address (http or https)")
async def add_command(interaction: discord.Interaction, url: str) -> None:
    """/add: admins only; fetch, write to the corpus, rebuild — in the background."""
    bot: GeoqaBot = interaction.client  # type: ignore[assignment]
    if not await may_rebuild(interaction, bot):
        return
    await interaction.response.send_message(f"Fetching {safe(url)} …", allowed_mentions=NO_MENTIONS)
    bot.start_add(interaction, url)


def use_endpoints(api_url: str, gateway_url: str) -> None:
    """Point discord.py at these REST and gateway URLs (Discord's own unless configured)."""
    import yarl

    discord.http.Route.BASE = api_url.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


def run_bot(engine: Engine, config: DiscordConfig, *, sync_global: bool = False) -> None:
    """Run until SIGINT/SIGTERM; a rejected token is a one-line :class:`ConfigError`."""

    use_endpoints(config.api_url, config.gateway_url)

    async def main() -> None:
        bot = GeoqaBot(engine, config, sync_global=sync_global)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, lambda: asyncio.ensure_future(bot.close()))
        async with bot:
            try:
                await bot.start(config.token)
            except discord.LoginFailure:
                raise ConfigError(f"{DISCORD_TOKEN.name} was rejected by Discord") from None
            except (aiohttp.ClientConnectionError, TimeoutError) as exc:
                raise GeoqaError(f"cannot reach Discord at {config.api_url}: {exc}") from None

    asyncio.run(main())
