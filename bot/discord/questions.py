"""Questions on Discord: ``/ask``, ``/sources``, ``/help``, and mentions, direct messages and
follow-ups in the bot's threads.

An answer in a server channel continues in a thread named after the question; a member's next
question there (a mention, or any message when the bot has the message-content intent) is read
with the thread's earlier questions as context, and so is a direct message with the earlier ones.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.checks import cooldown_key, question_cooldown, wait_text
from bot.discord.replies import NO_MENTIONS
from bot.qa import clean_question
from bot.questionlog import DM, GUILD
from bot.render.discord import safe, to_embeds
from index import Filters, GeoqaError, parse_day

if TYPE_CHECKING:
    from bot.discord.client import Answered, GeoqaBot

log = logging.getLogger(__name__)

SOURCES_COLOUR = 0x2B7A78
HELP_TEXT = (
    "Ask about AI geopolitics — the US–China AI race, export controls, the AI Alliance Network, "
    "regulation — and get verbatim, cited quotes from the indexed news articles.\n\n"
    "`/ask question:` ask (optionally only one `source` outlet, or articles `since` YYYY-MM-DD)\n"
    "`/sources` what is indexed\n"
    "`/reindex` rebuild the index from the corpus (server managers and configured admins)\n"
    "`/add url:` add a news article by its URL and index it (the same admins)\n"
    "`/stats` what members ask and how it went (the same admins)\n\n"
    "You can also mention me with a question, or send me a direct message. An answer in a "
    "channel continues in a thread: ask follow-up questions there. Each quote's number links to "
    "the quoted passage; 👍/👎 tell the admins how the answer did."
)


def strip_bot_mention(content: str, bot_id: int) -> str:
    """The message text without mentions of the bot."""
    return re.sub(rf"<@!?{bot_id}>", " ", content).strip()


class Questions(commands.Cog, name="questions"):
    """Answers members' questions: slash commands, mentions, direct messages, follow-ups."""

    def __init__(self, bot: GeoqaBot) -> None:
        self.bot = bot
        # Messages are no app commands: the same kind of cooldown, from discord.ext.commands.
        self.message_cooldown = commands.CooldownMapping.from_cooldown(
            1, bot.config.cooldown_s, commands.BucketType.user
        )

    @app_commands.command(name="ask", description="Ask a question; get verbatim, cited quotes.")
    @app_commands.describe(
        question="Your question",
        source="Only articles from this outlet",
        since="Only articles published on or after this date (YYYY-MM-DD)",
    )
    @app_commands.checks.dynamic_cooldown(question_cooldown, key=cooldown_key)
    async def ask(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, 500],
        source: str | None = None,
        since: str | None = None,
    ) -> None:
        """/ask: validate, defer, answer in a worker thread, send embeds with buttons, and
        continue in a thread (in a channel) or the conversation (in a thread or DM)."""
        question = clean_question(question)  # a GeoqaError becomes an ephemeral reply
        filters = Filters(source=source, since=parse_day(since, "since") if since else None)
        await interaction.response.defer(thinking=True)
        with self.bot.working():
            await self._answer_interaction(interaction, question, filters)

    async def _answer_interaction(self, interaction, question: str, filters: Filters) -> None:
        in_dm = interaction.guild is None
        talks = self.bot.talks_for(interaction.channel, in_dm)
        log.info("/ask from %s", interaction.user.id)
        answered = await self.bot.answer(
            question,
            filters,
            context=talks[0].earlier(talks[1]) if talks else (),
            channel=DM if in_dm else GUILD,
            member_id=interaction.user.id,
        )
        first = None
        for embeds, view in self._messages(answered):
            sent = await interaction.followup.send(
                embeds=embeds, allowed_mentions=NO_MENTIONS, wait=True, **view
            )
            first = first or sent
        await self._continue(talks, interaction.channel, first, question)

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
        """Answer mentions, every direct message, and messages in the bot's own threads (their
        text arrives without a mention only with the message-content intent); ignore bots."""
        me = self.bot.user
        if message.author.bot or me is None or message.author.id == me.id:
            return
        in_dm = message.guild is None
        mentioned = any(u.id == me.id for u in message.mentions)
        ours = isinstance(message.channel, discord.Thread) and message.channel.owner_id == me.id
        if not (in_dm or mentioned or ours):
            return
        text = strip_bot_mention(message.content, me.id)
        if ours and not (mentioned or text):
            return  # no text to read: without the intent, only mentions carry it
        try:
            question = clean_question(text)
        except GeoqaError as exc:
            await self._reply(message, f"{safe(str(exc)).capitalize()}. {HELP_TEXT}")
            return
        if self.bot.config.cooldown_s > 0:
            wait = self.message_cooldown.get_bucket(message).update_rate_limit()
            if wait:
                await self._reply(message, wait_text(wait))
                return
        with self.bot.working():
            await self._answer_message(message, question, in_dm)

    async def _answer_message(self, message: discord.Message, question: str, in_dm: bool) -> None:
        talks = self.bot.talks_for(message.channel, in_dm)
        log.info("question from %s in %s", message.author.id, "DM" if in_dm else message.guild.id)
        async with message.channel.typing():
            try:
                answered = await self.bot.answer(
                    question,
                    context=talks[0].earlier(talks[1]) if talks else (),
                    channel=DM if in_dm else GUILD,
                    member_id=message.author.id,
                )
            except GeoqaError as exc:
                log.info("question failed: %s", exc)
                await self._reply(message, f"Sorry: {safe(str(exc))}")
                return
        first = None
        for embeds, view in self._messages(answered):
            if first is None:
                first = await message.reply(
                    embeds=embeds, mention_author=False, allowed_mentions=NO_MENTIONS, **view
                )
            else:
                await message.channel.send(embeds=embeds, allowed_mentions=NO_MENTIONS, **view)
        await self._continue(talks, message.channel, first, question)

    def _messages(self, answered: Answered):
        """The answer's messages, each with the buttons (on the last one only) as keywords."""
        messages = to_embeds(answered.answer, self.bot.built_at()).messages
        view = self.bot.view_for(answered)
        for i, embeds in enumerate(messages):
            last = i == len(messages) - 1
            yield embeds, ({"view": view} if last and view is not None else {})

    async def _continue(self, talks, channel, first: discord.Message | None, question: str):
        """Add the question to its conversation, or start a thread for the next ones."""
        if talks is not None:
            talks[0].add(talks[1], question)
        elif first is not None:
            await self.bot.start_thread(channel, first, question)

    @staticmethod
    async def _reply(message: discord.Message, text: str) -> None:
        await message.reply(text, mention_author=False, allowed_mentions=NO_MENTIONS)
