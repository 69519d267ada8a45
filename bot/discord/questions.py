"""Questions on Discord: ``/ask``, ``/sources``, ``/help``, and mentions or direct messages."""

from __future__ import annotations

import logging
import math
import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.replies import NO_MENTIONS, reply_privately
from bot.qa import clean_question
from bot.render.discord import safe, to_embeds
from index import Filters, GeoqaError, parse_day

if TYPE_CHECKING:
    from bot.discord.client import GeoqaBot

log = logging.getLogger(__name__)

SOURCES_COLOUR = 0x2B7A78
HELP_TEXT = (
    "Ask about AI geopolitics — the US–China AI race, export controls, the AI Alliance Network, "
    "regulation — and get verbatim, cited quotes from the indexed news articles.\n\n"
    "`/ask question:` ask (optionally only one `source` outlet, or articles `since` YYYY-MM-DD)\n"
    "`/sources` what is indexed\n"
    "`/reindex` rebuild the index from the corpus (server managers and configured admins)\n"
    "`/add url:` add a news article by its URL and index it (the same admins)\n\n"
    "You can also mention me with a question, or send me a direct message."
)


def strip_bot_mention(content: str, bot_id: int) -> str:
    """The message text without mentions of the bot."""
    return re.sub(rf"<@!?{bot_id}>", " ", content).strip()


class Questions(commands.Cog, name="questions"):
    """Answers members' questions: slash commands, mentions in channels and direct messages."""

    def __init__(self, bot: GeoqaBot) -> None:
        self.bot = bot

    @app_commands.command(name="ask", description="Ask a question; get verbatim, cited quotes.")
    @app_commands.describe(
        question="Your question",
        source="Only articles from this outlet",
        since="Only articles published on or after this date (YYYY-MM-DD)",
    )
    async def ask(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, 500],
        source: str | None = None,
        since: str | None = None,
    ) -> None:
        """/ask: validate, check the cooldown, defer, answer in a thread, send embeds."""
        try:
            question = clean_question(question)
            filters = Filters(source=source, since=parse_day(since, "since") if since else None)
        except GeoqaError as exc:
            log.info("rejected /ask from %s: %s", interaction.user.id, exc)
            await reply_privately(interaction, f"{safe(str(exc))}")
            return
        wait = self.bot.cooldown.wait(interaction.user.id)
        if wait:
            await reply_privately(
                interaction, f"Please wait {math.ceil(wait)} s before asking again."
            )
            return
        await interaction.response.defer(thinking=True)
        log.info("/ask from %s", interaction.user.id)
        try:
            answer = await self.bot.answer(question, filters)
        except GeoqaError as exc:
            log.info("/ask failed: %s", exc)
            await reply_privately(interaction, f"Sorry: {safe(str(exc))}")
            return
        for embeds in to_embeds(answer, self.bot.built_at()).messages:
            await interaction.followup.send(embeds=embeds, allowed_mentions=NO_MENTIONS)

    @app_commands.command(name="sources", description="What is indexed: articles, dates, model.")
    async def sources(self, interaction: discord.Interaction) -> None:
        """/sources: counts and dates of the live index."""
        stats = self.bot.engine.stats()
        embed = discord.Embed(title="Indexed articles", colour=SOURCES_COLOUR)
        embed.add_field(name="Articles", value=str(stats.articles))
        embed.add_field(name="Chunks", value=str(stats.chunks))
        embed.add_field(name="Newest article", value=stats.newest_published or "unknown")
        embed.add_field(name="Index built", value=stats.built_at)
        embed.add_field(name="Model", value=safe(stats.model), inline=False)
        await interaction.response.send_message(embed=embed, allowed_mentions=NO_MENTIONS)

    @app_commands.command(name="help", description="How to ask geoqa.")
    async def help(self, interaction: discord.Interaction) -> None:
        """/help."""
        await interaction.response.send_message(
            HELP_TEXT, ephemeral=True, allowed_mentions=NO_MENTIONS
        )

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Answer mentions in channels and every direct message; ignore bots."""
        me = self.bot.user
        if message.author.bot or me is None or message.author.id == me.id:
            return
        in_dm = message.guild is None
        if not in_dm and not any(u.id == me.id for u in message.mentions):
            return
        question = strip_bot_mention(message.content, me.id)
        try:
            question = clean_question(question)
        except GeoqaError as exc:
            await self._reply(message, f"{safe(str(exc)).capitalize()}. {HELP_TEXT}")
            return
        wait = self.bot.cooldown.wait(message.author.id)
        if wait:
            await self._reply(message, f"Please wait {math.ceil(wait)} s before asking again.")
            return
        log.info("question from %s in %s", message.author.id, "DM" if in_dm else message.guild.id)
        async with message.channel.typing():
            try:
                answer = await self.bot.answer(question)
            except GeoqaError as exc:
                log.info("question failed: %s", exc)
                await self._reply(message, f"Sorry: {safe(str(exc))}")
                return
        for i, embeds in enumerate(to_embeds(answer, self.bot.built_at()).messages):
            if i == 0:
                await message.reply(
                    embeds=embeds, mention_author=False, allowed_mentions=NO_MENTIONS
                )
            else:
                await message.channel.send(embeds=embeds, allowed_mentions=NO_MENTIONS)

    @staticmethod
    async def _reply(message: discord.Message, text: str) -> None:
        await message.reply(text, mention_author=False, allowed_mentions=NO_MENTIONS)
