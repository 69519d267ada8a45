"""Replies every part of the Discord bot sends the same way: never pinging anyone."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import discord

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()


async def reply_privately(interaction: discord.Interaction, text: str) -> None:
    """An ephemeral reply, whether or not the interaction was answered already."""
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
    else:
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)


async def edit_progress(interaction: discord.Interaction, content: str) -> None:
    """Edit an interaction's message, quietly when Discord refuses (its token lasts 15 minutes:
    a long rebuild outlives it)."""
    try:
        await interaction.edit_original_response(content=content, allowed_mentions=NO_MENTIONS)
    except discord.HTTPException as exc:
        log.info("cannot update the reply any more: %s", exc)


async def in_background(
    what: str, interaction: discord.Interaction, work: Callable[[], Awaitable[None]]
) -> None:
    """Run a background task's ``work``; an unexpected failure is logged with its traceback and
    the admin told, instead of dying unseen in a task nobody awaits."""
    try:
        await work()
    except Exception:
        log.exception("%s failed", what)
        await edit_progress(interaction, f"{what} failed unexpectedly; the error was logged.")
