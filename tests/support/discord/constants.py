"""Discord constants the stand-in shares: opcodes, intents, permissions, ids."""

from __future__ import annotations

import itertools
import re
from typing import Any

import discord
import discord.gateway
import discord.http

DISCORD_EPOCH_MS = 1420070400000
API_PREFIX = re.compile(r"^/api/v\d+(?=/|$)")
AUTO: Any = object()

# Gateway opcodes and intent bits (see discord/gateway.py and discord/flags.py).
OP_DISPATCH, OP_HEARTBEAT, OP_IDENTIFY, OP_PRESENCE = 0, 1, 2, 3
OP_RESUME, OP_RECONNECT, OP_REQUEST_MEMBERS, OP_INVALID_SESSION = 6, 7, 8, 9
OP_HELLO, OP_HEARTBEAT_ACK = 10, 11
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DM_MESSAGES = 1 << 12
INTENT_MESSAGE_CONTENT = 1 << 15

EVERYONE_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    read_message_history=True,
    add_reactions=True,
    embed_links=True,
    attach_files=True,
    use_external_emojis=True,
    use_application_commands=True,
    create_instant_invite=True,
    change_nickname=True,
).value
ADMIN_ROLE_PERMISSIONS = EVERYONE_PERMISSIONS | (
    discord.Permissions(manage_guild=True, manage_channels=True, manage_messages=True).value
)

COUNTER = itertools.count()
