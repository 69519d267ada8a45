"""Followed feeds on Discord: the scheduled sync (every ``GEOQA_SYNC_MINUTES``), ``/sync`` (run
one now) and ``/feeds`` (what is followed, with status), for the same admins as ``/reindex``.

A sync runs in a worker thread, one at a time together with ``/reindex`` and ``/add`` (the
engine's rebuild lock, and each cog's busy check); questions are answered from the live index
meanwhile and the updated index is swapped in when complete. The articles a sync added are
posted as a digest to ``GEOQA_DISCORD_NEWS_CHANNEL`` with mentions disabled.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.discord.checks import admin_only
from bot.discord.replies import NO_MENTIONS, edit_progress, in_background, reply_privately
from bot.render.discord import DESCRIPTION_LIMIT, FOUND_COLOUR, safe
from bot.render.feeds import digest_embed, status_lines, sync_summary
from index import FeedStates, GeoqaError, SyncReport, added_articles, read_feeds

if TYPE_CHECKING:
    from bot.discord.client import GeoqaBot

log = logging.getLogger(__name__)

BUSY = "A rebuild or sync is already running; try again when it is done."


class Feeds(commands.Cog, name="feeds"):
    """Keeping the corpus current from the followed feeds, on a schedule and on demand."""

    def __init__(self, bot: GeoqaBot) -> None:
        self.bot = bot
        self.sync_task: asyncio.Task | None = None

    async def cog_load(self) -> None:
        """Start the schedule when ``GEOQA_SYNC_MINUTES`` is set."""
        minutes = self.bot.config.sync_minutes
        if minutes > 0:
            self.scheduled.change_interval(minutes=minutes)
            self.scheduled.start()
            log.info("followed feeds are synced every %g minutes", minutes)

    async def cog_unload(self) -> None:
        """Stop the schedule."""
        self.scheduled.cancel()

    def busy(self) -> bool:
        """Whether a sync, a rebuild or an /add is running."""
        admin = self.bot.get_cog("admin")
        return (
            (self.sync_task is not None and not self.sync_task.done())
            or self.bot.engine.rebuilding
            or bool(admin is not None and admin.busy())
        )

    @tasks.loop(minutes=60)
    async def scheduled(self) -> None:
        """One scheduled sync, unless another sync or a rebuild is running."""
        if self.busy():
            log.info("scheduled sync skipped: a rebuild or sync is running")
            return
        self.sync_task = asyncio.create_task(self.sync())
        try:
            report = await self.sync_task
        except GeoqaError as exc:
            log.warning("scheduled sync failed: %s", exc)
            return
        except Exception:  # the schedule must survive anything one sync does
            log.exception("scheduled sync failed")
            return
        log.info("scheduled sync: %s", sync_summary(report))

    @scheduled.before_loop
    async def _wait_until_ready(self) -> None:
        await self.bot.wait_until_ready()

    async def sync(self) -> SyncReport:
        """Sync in a worker thread, then post the digest of what it added. Callers keep the
        task in ``sync_task`` (set right after checking :meth:`busy`, so two never overlap)."""
        report = await asyncio.to_thread(self.bot.engine.sync_feeds)
        await self.post_digest(report)
        return report

    async def post_digest(self, report: SyncReport) -> None:
        """Post the new articles to the news channel, if one is configured (failures logged)."""
        channel_id = self.bot.config.news_channel_id
        if channel_id is None or not report.added:
            return
        articles = await asyncio.to_thread(added_articles, report)
        if not articles:
            return
        try:
            channel = self.bot.get_channel(channel_id) or await self.bot.fetch_channel(channel_id)
            await channel.send(embed=digest_embed(articles), allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as exc:
            log.warning("cannot post the digest to channel %s: %s", channel_id, exc)

    @app_commands.command(
        name="sync", description="Fetch new articles from the followed feeds now (admins)."
    )
    @app_commands.default_permissions(manage_guild=True)
    @admin_only()
    async def sync_now(self, interaction: discord.Interaction) -> None:
        """/sync: admins only, one at a time, in the background."""
        if self.busy():
            await reply_privately(interaction, BUSY)
            return
        await interaction.response.send_message(
            "Syncing the followed feeds… questions are answered from the current index meanwhile.",
            allowed_mentions=NO_MENTIONS,
        )
        self.sync_task = asyncio.create_task(self._sync_and_report(interaction))

    async def _sync_and_report(self, interaction: discord.Interaction) -> None:
        await in_background("/sync", interaction, lambda: self._syncing(interaction))

    async def _syncing(self, interaction: discord.Interaction) -> None:
        try:
            report = await self.sync()
        except GeoqaError as exc:
            log.info("/sync failed: %s", exc)
            await edit_progress(interaction, f"Sync failed: {safe(str(exc))}")
            return
        await edit_progress(interaction, f"Sync done: {safe(sync_summary(report))}.")

    @app_commands.command(name="feeds", description="The followed feeds and their status (admins).")
    @app_commands.default_permissions(manage_guild=True)
    @admin_only()
    async def feeds(self, interaction: discord.Interaction) -> None:
        """/feeds: admins only; an ephemeral list of the followed feeds with their status."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            text = await asyncio.to_thread(self._listing)
        except GeoqaError as exc:
            await reply_privately(interaction, f"Cannot read the feeds: {safe(str(exc))}")
            return
        embed = discord.Embed(title="Followed feeds", description=text, colour=FOUND_COLOUR)
        await interaction.followup.send(embed=embed, ephemeral=True, allowed_mentions=NO_MENTIONS)

    def _listing(self) -> str:
        """The feeds and their status as one embed description (in a worker thread)."""
        engine = self.bot.engine
        feeds = read_feeds(engine.feeds_file)
        if not feeds:
            return f"No feeds followed yet ({safe(str(engine.feeds_file))})."
        blocks = []
        with FeedStates(engine.index_dir, create=False) as states:
            for feed in feeds:
                lines = status_lines(feed, states.get(feed.url))
                head = f"**{safe(feed.name)}** {safe(feed.url)}"
                blocks.append("\n".join([head, *(f"· {safe(line)}" for line in lines)]))
        text, shown = "", 0
        for block in blocks:
            joined = f"{text}\n\n{block}" if text else block
            if len(joined) > DESCRIPTION_LIMIT - 40:
                break
            text, shown = joined, shown + 1
        if shown < len(blocks):
            text += f"\n\n… and {len(blocks) - shown} more feeds"
        return text
