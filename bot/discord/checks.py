"""Who may run a command and what a refused or failed command tells the user, with discord.py's
own machinery: ``app_commands.check`` for admins, ``dynamic_cooldown`` for questions, and the
text the command tree's one error handler replies with."""

from __future__ import annotations

import math

import discord
from discord import app_commands

from bot.render.discord import safe
from index import GeoqaError

NOT_ADMIN = "Only members with Manage Server or a configured admin role can do that."


class NotAdmin(app_commands.CheckFailure):
    """An admin command used by someone who is not an admin."""


def admin_only():
    """An ``app_commands.check``: Manage Server, a configured admin role or a configured admin
    user (used with ``default_permissions(manage_guild=True)``, which hides the command)."""

    def predicate(interaction: discord.Interaction) -> bool:
        if interaction.client.is_admin(interaction.user):
            return True
        raise NotAdmin(NOT_ADMIN)

    return app_commands.check(predicate)


def question_cooldown(interaction: discord.Interaction) -> app_commands.Cooldown | None:
    """For ``app_commands.checks.dynamic_cooldown``: one question per member every
    ``GEOQA_DISCORD_COOLDOWN`` seconds (none when it is 0)."""
    seconds = interaction.client.config.cooldown_s
    return app_commands.Cooldown(1, seconds) if seconds > 0 else None


def cooldown_key(interaction: discord.Interaction) -> tuple[int, int]:
    """The cooldown's bucket: the member, per running bot (the decorator's buckets are shared by
    every instance of the command, so a second bot in the process, as in tests, gets its own)."""
    return id(interaction.client), interaction.user.id


def wait_text(seconds: float) -> str:
    """What a member on cooldown is told."""
    return f"Please wait {math.ceil(seconds)} s before asking again."


def error_text(error: Exception) -> str | None:
    """What to tell the user about an expected failure; None for an unexpected one."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, app_commands.CommandOnCooldown):
        return wait_text(error.retry_after)
    if isinstance(error, NotAdmin):
        return NOT_ADMIN
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use this command here."
    if isinstance(error, GeoqaError | app_commands.TransformerError):
        return f"Sorry: {safe(str(error))}"
    return None
