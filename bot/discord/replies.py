"""Replies every part of the Discord bot sends the same way: never pinging anyone."""

from __future__ import annotations

import discord

NO_MENTIONS = discord.AllowedMentions.none()


async def reply_privately(interaction: discord.Interaction, text: str) -> None:
    """An ephemeral reply, whether or not the interaction was answered already."""
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
    else:
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
