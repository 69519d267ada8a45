"""The Discord client: dependencies (the engine and the settings) come in through the
constructor, as in discord.py's ``advanced_startup`` example; the commands are cogs added in
``setup_hook``. Interactions are acknowledged at once and the QA work runs in a worker thread,
a bounded number at a time, so the event loop is never blocked.
"""

from __future__ import annotations

import asyncio
import logging
import math
import signal
import time

import aiohttp
import discord
import discord.gateway
import discord.http
from discord import app_commands
from discord.ext import commands

from bot.answer import Answer
from bot.discord.admin import Admin
from bot.discord.feeds import Feeds
from bot.discord.questions import Questions
from bot.discord.replies import NO_MENTIONS, reply_privately
from bot.engine import Engine
from bot.settings import DISCORD_TOKEN, DiscordConfig
from index import ConfigError, Filters, GeoqaError

log = logging.getLogger(__name__)


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


class GeoqaTree(app_commands.CommandTree):
    """The slash command tree, with the bot's handler for unexpected command failures."""

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """Unexpected failures: logged with their traceback, a short ephemeral reply."""
        log.error(
            "command %s failed", interaction.command and interaction.command.name, exc_info=error
        )
        await reply_privately(interaction, "Something went wrong; the error was logged.")


class GeoqaBot(commands.Bot):
    """The geoqa Discord client, given its engine and settings."""

    def __init__(
        self, engine: Engine, config: DiscordConfig, *, sync_global: bool = False, **options
    ) -> None:
        # Default intents suffice: mentions and DMs carry their content without the privileged
        # message-content intent. There are no prefix commands (see on_message).
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            tree_cls=GeoqaTree,
            intents=discord.Intents.default(),
            allowed_mentions=NO_MENTIONS,
            **options,
        )
        self.engine = engine
        self.config = config
        self.sync_global = sync_global
        self.cooldown = Cooldown(config.cooldown_s)
        self.limiter = asyncio.Semaphore(config.concurrency)

    async def setup_hook(self) -> None:
        """Add the command cogs, then sync slash commands: to the dev guild if configured,
        globally only when asked."""
        await self.add_cog(Questions(self))
        await self.add_cog(Admin(self))
        await self.add_cog(Feeds(self))
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

    async def on_message(self, message: discord.Message) -> None:
        """Nothing here: geoqa has no prefix commands; the questions cog answers messages."""

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
