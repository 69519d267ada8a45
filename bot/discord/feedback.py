"""Buttons under every answer: 👍 / 👎 (stored once per member and answer in the question log,
and changeable) and "Show more quotes" where further quotes scored well.

They are ``discord.ui.DynamicItem`` buttons: the answer's id is in the custom id
(``geoqa:vote:<id>:up``, ``geoqa:more:<id>``), and the bot registers the two templates at
start-up, so the buttons of answers sent before a restart keep working. An id is the answer's
row in the question log, or ``m<n>`` for an answer kept only in memory (the log is off).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from typing import TYPE_CHECKING

import discord

from bot.answer import Answer
from bot.discord.replies import NO_MENTIONS, reply_privately
from bot.questionlog import DOWN, UP
from bot.render.discord import safe, to_embeds
from index import GeoqaError

if TYPE_CHECKING:
    from bot.discord.client import GeoqaBot

log = logging.getLogger(__name__)

VOTES = {"up": UP, "down": DOWN}
EMOJI = {UP: "👍", DOWN: "👎"}
MORE_LEAD = "More quotes that also scored well"
GONE = "That answer is no longer available; please ask again."


class VoteButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"geoqa:vote:(?P<answer>\d+):(?P<vote>up|down)",
):
    """👍 or 👎 on one logged answer."""

    def __init__(self, answer_id: str, vote: str) -> None:
        super().__init__(
            discord.ui.Button(
                style=discord.ButtonStyle.secondary,
                emoji=EMOJI[VOTES[vote]],
                custom_id=f"geoqa:vote:{answer_id}:{vote}",
            )
        )
        self.answer_id = int(answer_id)
        self.vote = VOTES[vote]

    @classmethod
    async def from_custom_id(cls, interaction, item, match) -> VoteButton:
        """The button of a clicked custom id (also for messages sent before a restart)."""
        return cls(match["answer"], match["vote"])

    async def callback(self, interaction: discord.Interaction) -> None:
        """Store the member's vote (in a worker thread) and confirm it privately."""
        bot: GeoqaBot = interaction.client  # type: ignore[assignment]
        if bot.questions is None:
            await reply_privately(interaction, "Feedback is not recorded: the question log is off.")
            return
        try:
            before = await asyncio.to_thread(
                bot.questions.vote, self.answer_id, interaction.user.id, self.vote
            )
        except GeoqaError as exc:
            await reply_privately(interaction, f"Sorry: {safe(str(exc))}")
            return
        emoji = EMOJI[self.vote]
        if before is None:
            text = f"Thanks for your feedback ({emoji})."
        elif before == self.vote:
            text = f"You already voted {emoji}."
        else:
            text = f"Changed your vote to {emoji}."
        log.info("vote %s on answer %s", emoji, self.answer_id)
        await reply_privately(interaction, text)


class MoreButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"geoqa:more:(?P<answer>m?\d+)"
):
    """Show the further well-scored quotes of an answer, to the member who asks."""

    def __init__(self, answer_id: str) -> None:
        super().__init__(
            discord.ui.Button(
                style=discord.ButtonStyle.primary,
                label="Show more quotes",
                custom_id=f"geoqa:more:{answer_id}",
            )
        )
        self.answer_id = answer_id

    @classmethod
    async def from_custom_id(cls, interaction, item, match) -> MoreButton:
        """The button of a clicked custom id (also for messages sent before a restart)."""
        return cls(match["answer"])

    async def callback(self, interaction: discord.Interaction) -> None:
        """Send the answer's further quotes as ephemeral embeds."""
        bot: GeoqaBot = interaction.client  # type: ignore[assignment]
        answer = await bot.stored_answer(self.answer_id)
        if answer is None or not answer.more:
            await reply_privately(interaction, GONE)
            return
        messages = to_embeds(more_quotes(answer), bot.built_at()).messages
        await interaction.response.send_message(
            embeds=messages[0], ephemeral=True, allowed_mentions=NO_MENTIONS
        )
        for embeds in messages[1:]:
            await interaction.followup.send(
                embeds=embeds, ephemeral=True, allowed_mentions=NO_MENTIONS
            )


def more_quotes(answer: Answer) -> Answer:
    """The answer's further quotes as an answer of their own, citing only their sources."""
    cited = {q.n for q in answer.more}
    return dataclasses.replace(
        answer,
        lead=MORE_LEAD,
        quotes=list(answer.more),
        more=[],
        sources=[s for s in answer.sources if s.n in cited],
    )


def answer_view(answer_id: str, *, votes: bool, more: bool) -> discord.ui.View | None:
    """The buttons for one answer (None when there are none to show)."""
    view = discord.ui.View(timeout=None)
    if votes:
        view.add_item(VoteButton(answer_id, "up"))
        view.add_item(VoteButton(answer_id, "down"))
    if more:
        view.add_item(MoreButton(answer_id))
    return view if view.children else None
