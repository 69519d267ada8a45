"""Admin commands on Discord: ``/reindex``, ``/add`` and ``/stats``, for members with Manage
Server or a configured admin role or user. Discord hides them from everyone else
(``default_permissions(manage_guild=True)``) and a check refuses them; rebuilds run one at a
time, in the background, while questions are answered from the current index."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.checks import admin_only
from bot.discord.replies import NO_MENTIONS, edit_progress, in_background, reply_privately
from bot.engine import RebuildRunning
from bot.render.discord import safe, stats_embed
from index import GeoqaError

if TYPE_CHECKING:
    from bot.discord.client import GeoqaBot

log = logging.getLogger(__name__)

PROGRESS_EVERY_S = 2.0
STATS_UNANSWERED = 5


class Admin(commands.Cog, name="admin"):
    """Rebuilding the index and adding articles, in the background, one at a time."""

    def __init__(self, bot: GeoqaBot) -> None:
        self.bot = bot
        self.rebuild_task: asyncio.Task | None = None

    def busy(self) -> bool:
        """Whether a rebuild (from /reindex or /add) or a feed sync is running."""
        running = self.rebuild_task is not None and not self.rebuild_task.done()
        return running or self.bot.engine.rebuilding

    def ensure_idle(self) -> None:
        """One rebuild at a time: a second one is refused (an ephemeral reply, via the tree)."""
        if self.busy():
            raise RebuildRunning("a rebuild is already running; try again when it is done")

    @app_commands.command(name="reindex", description="Rebuild the index from the corpus (admins).")
    @app_commands.default_permissions(manage_guild=True)
    @admin_only()
    async def reindex(self, interaction: discord.Interaction) -> None:
        """/reindex: admins only, one at a time, in the background."""
        self.ensure_idle()
        await interaction.response.send_message(
            "Rebuilding the index… questions are answered from the current index meanwhile.",
            allowed_mentions=NO_MENTIONS,
        )
        self.rebuild_task = asyncio.create_task(self._rebuild(interaction))

    @app_commands.command(
        name="add", description="Add a news article by URL and index it (admins)."
    )
    @app_commands.describe(url="The article's web address (http or https)")
    @app_commands.default_permissions(manage_guild=True)
    @admin_only()
    async def add(self, interaction: discord.Interaction, url: str) -> None:
        """/add: admins only; fetch, write to the corpus, rebuild — in the background."""
        self.ensure_idle()
        await interaction.response.send_message(
            f"Fetching {safe(url)} …", allowed_mentions=NO_MENTIONS
        )
        self.rebuild_task = asyncio.create_task(self._add(interaction, url))

    @app_commands.command(name="stats", description="What members ask and how it went (admins).")
    @app_commands.default_permissions(manage_guild=True)
    @admin_only()
    async def stats(self, interaction: discord.Interaction) -> None:
        """/stats: the question log's summary, as ``geoqa log stats`` and ``log unanswered``
        give it, privately to the admin who asks."""
        log_ = self.bot.questions
        if log_ is None:
            await reply_privately(interaction, "The question log is off (GEOQA_LOG_QUESTIONS=0).")
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        stats = await asyncio.to_thread(log_.stats)
        unanswered = await asyncio.to_thread(log_.unanswered, STATS_UNANSWERED)
        await interaction.followup.send(
            embed=stats_embed(stats, unanswered), ephemeral=True, allowed_mentions=NO_MENTIONS
        )

    async def _add(self, interaction: discord.Interaction, url: str) -> None:
        await in_background("/add", interaction, lambda: self._adding(interaction, url))

    async def _adding(self, interaction: discord.Interaction, url: str) -> None:
        try:
            report = await asyncio.to_thread(self.bot.engine.add_url, url)
        except GeoqaError as exc:
            log.info("/add failed: %s", exc)
            await edit_progress(interaction, f"Could not add it: {safe(str(exc))}")
            return
        if report.failed:
            message = f"Could not add {safe(url)}: {safe(report.failed[0].reason)}"
        elif report.duplicates:
            message = f"Already in the corpus: {safe(Path(report.duplicates[0].path).name)}"
        elif report.index is None:
            message = (
                f"Added “{safe(report.added[0].title)}”; the rebuild or sync running now "
                "will index it."
            )
        else:
            added, index = report.added[0], report.index
            message = (
                f"Added “{safe(added.title)}”; the index now has {index.articles} articles "
                f"({index.embedded} new chunks embedded)."
            )
        await edit_progress(interaction, message)

    async def _rebuild(self, interaction: discord.Interaction) -> None:
        await in_background("Rebuild", interaction, lambda: self._rebuilding(interaction))

    async def _rebuilding(self, interaction: discord.Interaction) -> None:
        state = {"done": 0, "total": 0}

        def progress(done: int, total: int) -> None:  # called in the worker thread
            state.update(done=done, total=total)

        work = asyncio.create_task(asyncio.to_thread(self.bot.engine.rebuild, progress))
        while not work.done():
            await asyncio.wait({work}, timeout=PROGRESS_EVERY_S)
            if not work.done():
                await edit_progress(
                    interaction,
                    f"Rebuilding the index… embedded {state['done']}/{state['total']} "
                    "new chunks; questions are answered from the current index meanwhile.",
                )
        try:
            report = work.result()
        except GeoqaError as exc:
            log.info("rebuild failed: %s", exc)
            await edit_progress(interaction, f"Rebuild failed: {safe(str(exc))}")
            return
        await edit_progress(
            interaction,
            f"Index rebuilt: {report.articles} articles, {report.chunks} chunks "
            f"(embedded {report.embedded}, reused {report.reused}, skipped {len(report.skipped)} "
            f"files) in {report.seconds:.1f} s.",
        )
