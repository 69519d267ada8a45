"""The Discord client: dependencies (the engine, the settings, the question log) come in
through the constructor, as in discord.py's ``advanced_startup`` example; the commands are cogs
added in ``setup_hook``, with the answer buttons as persistent dynamic items. Interactions are
acknowledged at once and the QA work (and logging) runs in a worker thread, a bounded number at a
time, so the event loop is never blocked. Command errors go through the tree's one handler; the
cooldown and the admin check are discord.py's own (``dynamic_cooldown``, ``app_commands.check``).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import signal
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import aiohttp
import discord
import discord.gateway
import discord.http
from discord import app_commands
from discord.ext import commands

from bot.answer import Answer
from bot.discord.admin import Admin
from bot.discord.checks import error_text
from bot.discord.conversations import DM_IDLE_S, Conversations
from bot.discord.feedback import MoreButton, VoteButton, answer_view
from bot.discord.feeds import Feeds
from bot.discord.questions import Questions
from bot.discord.replies import NO_MENTIONS, reply_privately
from bot.engine import Engine
from bot.questionlog import GUILD, QuestionLog
from bot.settings import DISCORD_GUILD_ID, DISCORD_MESSAGE_CONTENT, DISCORD_TOKEN, DiscordConfig
from index import LRU, ConfigError, Filters, GeoqaError

log = logging.getLogger(__name__)

CLOSE_GRACE_S = 10.0
RECENT_ANSWERS = 1000  # answers kept in memory for "Show more quotes"
THREAD_NAME = 100  # Discord's limit on a thread's name
THREAD_ARCHIVE_MINUTES = 1440
FOLLOW_UP_HINT = "Ask a follow-up question here; I read it with this thread's earlier questions."
FOLLOW_UP_MENTION_HINT = (
    "Ask a follow-up question here by mentioning me; I read it with this thread's earlier "
    "questions."
)


class GeoqaTree(app_commands.CommandTree):
    """The slash command tree, with the bot's one handler for command errors."""

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """discord.py's hook for every application command error: domain errors, the cooldown
        and refused checks become an ephemeral reply; anything else is logged with its
        traceback and the user gets a short ephemeral note."""
        name = interaction.command.name if interaction.command else "?"
        if self.client.is_closed():  # cut off by a shutdown: nobody to tell
            log.info("command %s interrupted by shutdown: %s", name, error)
            return
        text = error_text(error)
        if text is None:
            log.error("command %s failed", name, exc_info=error)
            text = "Something went wrong; the error was logged."
        else:
            log.info("/%s from %s refused: %s", name, interaction.user.id, text)
        await reply_privately(interaction, text)


@dataclass(frozen=True)
class Answered:
    """An answer and the id its buttons carry; ``logged`` when it is in the question log."""

    answer: Answer
    answer_id: str
    logged: bool


class GeoqaBot(commands.Bot):
    """The geoqa Discord client, given its engine and settings."""

    def __init__(
        self,
        engine: Engine,
        config: DiscordConfig,
        *,
        questions: QuestionLog | None = None,
        sync_global: bool = False,
        **options,
    ) -> None:
        """``questions`` is the question log (None: nothing is logged and answers carry no
        vote buttons)."""
        # Default intents suffice: mentions and DMs carry their content without the privileged
        # message-content intent, which only follow-ups in threads without a mention need
        # (GEOQA_DISCORD_MESSAGE_CONTENT). There are no prefix commands (see on_message).
        intents = discord.Intents.default()
        intents.message_content = config.message_content
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            tree_cls=GeoqaTree,
            intents=intents,
            allowed_mentions=NO_MENTIONS,
            **options,
        )
        self.engine = engine
        self.config = config
        self.questions = questions
        self.sync_global = sync_global
        self.limiter = asyncio.Semaphore(config.concurrency)
        self.thread_talks = Conversations()
        self.dm_talks = Conversations(idle_s=DM_IDLE_S)
        self.recent: LRU[str, Answer] = LRU(RECENT_ANSWERS)
        self._memory_ids = itertools.count(1)
        self._working: set[asyncio.Task] = set()

    async def setup_hook(self) -> None:
        """Add the command cogs and the answer buttons (persistent across restarts), then sync
        slash commands: to the dev guild if configured, globally only when asked."""
        await self.add_cog(Questions(self))
        await self.add_cog(Admin(self))
        await self.add_cog(Feeds(self))
        self.add_dynamic_items(VoteButton, MoreButton)
        if self.config.guild_id is not None:
            guild = discord.Object(self.config.guild_id)
            self.tree.copy_global_to(guild=guild)
            try:
                synced = await self.tree.sync(guild=guild)
            except discord.HTTPException as exc:  # a wrong id, or no applications.commands scope
                raise ConfigError(
                    f"cannot sync the slash commands to {DISCORD_GUILD_ID.name}="
                    f"{self.config.guild_id} ({exc.status}): check the server id and that the bot"
                    " was invited with the applications.commands scope"
                ) from None
            log.info("synced %d commands to guild %s", len(synced), self.config.guild_id)
        if self.sync_global:
            synced = await self.tree.sync()
            log.info("synced %d commands globally", len(synced))
        elif self.config.guild_id is None:
            log.warning("commands not synced: set GEOQA_DISCORD_GUILD_ID or use --sync-global")

    async def on_message(self, message: discord.Message) -> None:
        """Nothing here: geoqa has no prefix commands; the questions cog answers messages."""

    @contextlib.contextmanager
    def working(self) -> Iterator[None]:
        """Mark the current task as answering a question, so that :meth:`close` lets it
        finish sending (its answer, thread and buttons)."""
        task = asyncio.current_task()
        self._working.add(task)
        try:
            yield
        finally:
            self._working.discard(task)

    async def close(self) -> None:
        """Shut down: answers being sent get up to ``CLOSE_GRACE_S`` to finish first."""
        pending = [t for t in self._working if t is not asyncio.current_task() and not t.done()]
        if pending and not self.is_closed():
            log.info("letting %d answers finish before closing", len(pending))
            await asyncio.wait(pending, timeout=CLOSE_GRACE_S)
        await super().close()

    async def answer(
        self,
        question: str,
        filters: Filters | None = None,
        *,
        context: Sequence[str] = (),
        channel: str = GUILD,
        member_id: int | None = None,
    ) -> Answered:
        """Answer (and log) in a worker thread, at most ``concurrency`` at once; ``context`` is
        the conversation's earlier questions, ``channel`` where it was asked (guild or dm)."""
        async with self.limiter:
            answer, logged_id = await asyncio.to_thread(
                self._answer_and_log, question, filters, tuple(context), channel, member_id
            )
        answer_id = f"m{next(self._memory_ids)}" if logged_id is None else str(logged_id)
        self.recent.put_many({answer_id: answer})
        return Answered(answer, answer_id, logged_id is not None)

    def _answer_and_log(self, question, filters, context, channel, member_id):
        """In a worker thread: the answer, and its row id in the question log (or None)."""
        started = time.perf_counter()
        answer = self.engine.ask(question, filters, context)
        if self.questions is None:
            return answer, None
        latency = time.perf_counter() - started
        row = self.questions.record(
            answer, channel=channel, latency_s=latency, member_id=member_id, context=context
        )
        return answer, row

    async def stored_answer(self, answer_id: str) -> Answer | None:
        """A recent answer by id: from memory, else (after a restart) from the question log."""
        found = self.recent.get_many([answer_id]).get(answer_id)
        if found is None and self.questions is not None and answer_id.isdigit():
            found = await asyncio.to_thread(self.questions.answer, int(answer_id))
        return found

    def view_for(self, answered: Answered) -> discord.ui.View | None:
        """The buttons under an answer: votes when it is logged, "Show more quotes" when more
        quotes scored well."""
        return answer_view(
            answered.answer_id, votes=answered.logged, more=bool(answered.answer.more)
        )

    def talks_for(self, channel, in_dm: bool) -> tuple[Conversations, int] | None:
        """The conversation a channel holds: a thread's or a DM's (None for a channel, where
        each question starts its own thread). The bot's own threads it no longer remembers
        (after a restart) start again from their name, the first question."""
        if in_dm:
            return self.dm_talks, channel.id
        if not isinstance(channel, discord.Thread):
            return None
        if channel.id not in self.thread_talks and channel.owner_id == self.user.id:
            self.thread_talks.add(channel.id, channel.name)
        return self.thread_talks, channel.id

    async def start_thread(self, channel, message: discord.Message, question: str) -> None:
        """Continue an answer in a thread named after the question (server text channels only,
        when ``GEOQA_DISCORD_THREADS`` is on); a thread the bot may not create is skipped."""
        if not self.config.threads or not isinstance(channel, discord.TextChannel):
            return
        name = question if len(question) <= THREAD_NAME else question[: THREAD_NAME - 1] + "…"
        try:
            thread = await channel.create_thread(
                name=name, message=message, auto_archive_duration=THREAD_ARCHIVE_MINUTES
            )
            self.thread_talks.start(thread.id, question)
            await thread.send(
                FOLLOW_UP_HINT if self.config.message_content else FOLLOW_UP_MENTION_HINT,
                allowed_mentions=NO_MENTIONS,
            )
        except discord.HTTPException as exc:  # e.g. no Create Public Threads permission
            log.info("no thread for the answer in %s: %s", channel.id, exc)

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


def run_bot(
    engine: Engine,
    config: DiscordConfig,
    *,
    questions: QuestionLog | None = None,
    sync_global: bool = False,
) -> None:
    """Run until SIGINT/SIGTERM; a rejected token is a one-line :class:`ConfigError`, and so is
    the message-content intent asked for but not enabled in the developer portal."""

    use_endpoints(config.api_url, config.gateway_url)

    async def main() -> None:
        bot = GeoqaBot(engine, config, questions=questions, sync_global=sync_global)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, lambda: asyncio.ensure_future(bot.close()))
        async with bot:
            try:
                await bot.start(config.token)
            except discord.LoginFailure:
                raise ConfigError(f"{DISCORD_TOKEN.name} was rejected by Discord") from None
            except discord.PrivilegedIntentsRequired:
                raise ConfigError(
                    f"{DISCORD_MESSAGE_CONTENT.name}=1 needs the Message Content intent: enable it"
                    " in the developer portal (Bot page), or set it to 0"
                ) from None
            except (aiohttp.ClientConnectionError, TimeoutError) as exc:
                raise GeoqaError(f"cannot reach Discord at {config.api_url}: {exc}") from None

    asyncio.run(main())
