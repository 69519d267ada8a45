"""The Discord objects the stand-in builds: users, members, guilds, READY, interactions."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import discord
import discord.gateway
import discord.http

from tests.support.discord.constants import AUTO, COUNTER, DISCORD_EPOCH_MS


def snowflake() -> int:
    """Return a fresh, time-based Discord snowflake (unique within this process)."""
    millis = int(time.time() * 1000) - DISCORD_EPOCH_MS
    return (millis << 22) | (1 << 17) | (next(COUNTER) & 0xFFF)


def iso_now() -> str:
    return datetime.now(UTC).isoformat()


class Payloads:
    """Builders of the payloads a client receives (a mixin of :class:`DiscordStandIn`)."""

    @staticmethod
    def _user(user_id: int, username: str, *, bot: bool = False, discriminator: str = "0"):
        user: dict[str, Any] = {
            "id": str(user_id),
            "username": username,
            "discriminator": discriminator,
            "global_name": None if bot else username.title(),
            "avatar": None,
            "banner": None,
            "accent_color": None,
            "public_flags": 0,
            "avatar_decoration_data": None,
        }
        if bot:
            user["bot"] = True
        return user

    def user_payload(self, user_id: int) -> dict[str, Any]:
        """The user object for a known user id (``KeyError`` for unknown ids)."""
        return dict(self.users[user_id])

    def permissions_for(self, user_id: int) -> int:
        """Guild-level permission bits of a member (owner/Administrator -> all)."""
        if user_id == self.owner_id:
            return discord.Permissions.all().value
        value = int(self.roles[self.guild_id]["permissions"])
        for role_id in self.member_roles.get(user_id, []):
            value |= int(self.roles[role_id]["permissions"])
        if value & discord.Permissions(administrator=True).value:
            return discord.Permissions.all().value
        return value

    def member_payload(self, user_id: int, *, with_user: bool = True, permissions: bool = False):
        """A guild member object; ``permissions=True`` adds the interaction-style field."""
        member: dict[str, Any] = {
            "roles": [str(r) for r in self.member_roles.get(user_id, [])],
            "nick": None,
            "avatar": None,
            "banner": None,
            "joined_at": "2024-01-01T00:00:00+00:00",
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
        }
        if with_user:
            member["user"] = self.user_payload(user_id)
        if permissions:
            member["permissions"] = str(self.permissions_for(user_id))
        return member

    def dm_channel_id(self, user_id: int) -> int:
        """The id of the DM channel between the bot and ``user_id`` (stable per user)."""
        if user_id not in self._dm_channels:
            self._dm_channels[user_id] = snowflake()
        return self._dm_channels[user_id]

    def dm_channel_payload(self, user_id: int) -> dict[str, Any]:
        """The DM channel object for ``user_id``, as ``POST /users/@me/channels`` returns it."""
        return {
            "id": str(self.dm_channel_id(user_id)),
            "type": 1,
            "last_message_id": None,
            "flags": 0,
            "recipients": [self.user_payload(user_id)],
        }

    def guild_create_payload(self) -> dict[str, Any]:
        """The full ``GUILD_CREATE`` payload for the configured guild."""
        members = [self.member_payload(uid) for uid in self.member_roles]
        return {
            "id": str(self.guild_id),
            "name": self.guild_name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": "en-US",
            "features": [],
            "emojis": [],
            "stickers": [],
            "roles": list(self.roles.values()),
            "application_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "max_members": 500000,
            "max_video_channel_users": 25,
            "joined_at": "2024-01-01T00:00:00+00:00",
            "large": False,
            "unavailable": False,
            "lazy": True,
            "member_count": len(members),
            "members": members,
            "channels": [
                {k: v for k, v in channel.items() if k != "guild_id"}
                for channel in self.channels.values()
            ],
            "threads": list(self.threads.values()),
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    def _ready_payload(self, session_id: str) -> dict[str, Any]:
        return {
            "v": discord.http.INTERNAL_API_VERSION,
            "user": self._me(),
            "guilds": [{"id": str(self.guild_id), "unavailable": True}],
            "session_id": session_id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.application_id), "flags": self._app_flags()},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
            "_trace": ["discord-standin"],
        }

    def _me(self) -> dict[str, Any]:
        return {
            **self.user_payload(self.bot_id),
            "verified": True,
            "mfa_enabled": False,
            "email": None,
            "flags": 0,
            "locale": "en-US",
        }

    @staticmethod
    def _app_flags() -> int:
        # GATEWAY_GUILD_MEMBERS_LIMITED | GATEWAY_MESSAGE_CONTENT_LIMITED (an unverified bot).
        return (1 << 15) | (1 << 19)

    def _application_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.application_id),
            "name": self.bot_name,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "owner": self.user_payload(self.owner_id),
            "team": None,
            "flags": self._app_flags(),
            "bot": self.user_payload(self.bot_id),
            "interactions_endpoint_url": None,
            "redirect_uris": [],
            "tags": [],
            "approximate_guild_count": 1,
        }

    def thread_payload(
        self, thread_id: int, parent_id: int, name: str, owner_id: int, *, archive_after: int = 1440
    ) -> dict[str, Any]:
        """A public thread (channel type 11) of text channel ``parent_id``."""
        return {
            "id": str(thread_id),
            "type": 11,
            "guild_id": str(self.guild_id),
            "parent_id": str(parent_id),
            "owner_id": str(owner_id),
            "name": name,
            "last_message_id": None,
            "message_count": 0,
            "member_count": 1,
            "total_message_sent": 0,
            "rate_limit_per_user": 0,
            "flags": 0,
            "applied_tags": [],
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": archive_after,
                "archive_timestamp": iso_now(),
                "locked": False,
                "invitable": True,
                "create_timestamp": iso_now(),
            },
        }

    def commands_visible_to(self, user_id: int, guild_id: int | None = AUTO) -> set[str]:
        """Names of the synced commands a member sees in the command picker: Discord hides a
        command whose ``default_member_permissions`` the member's permissions lack."""
        scope = self.guild_id if guild_id is AUTO else guild_id
        held = self.permissions_for(user_id)
        visible = set()
        for command in self.commands.get(scope, []) + self.commands.get(None, []):
            needed = command.get("default_member_permissions")
            if needed is None or held & int(needed) == int(needed):
                visible.add(command["name"])
        return visible

    def component_interaction(
        self,
        message_id: int,
        custom_id: str,
        *,
        user: int | None = None,
        component_type: int = 2,
    ) -> dict[str, Any]:
        """Build an ``INTERACTION_CREATE`` payload (type 3) for a click on the component
        ``custom_id`` of a message the bot sent (button: ``component_type`` 2). The interaction
        comes from the message's channel (a DM if it is a DM channel) and carries the message,
        as Discord's does."""
        message = self.messages[message_id]
        channel_id = int(message["channel_id"])
        in_guild = channel_id in self.channels or channel_id in self.threads
        data = {"custom_id": custom_id, "component_type": component_type}
        payload = self._interaction(
            3, data, user=user, guild=in_guild, channel_id=channel_id if in_guild else None
        )
        payload["message"] = dict(message)
        return payload

    def _interaction(
        self,
        kind: int,
        data: dict[str, Any],
        *,
        user: int | None,
        guild: bool,
        channel_id: int | None,
        locale: str = "en-US",
    ) -> dict[str, Any]:
        user_id = self.member_id if user is None else user
        payload: dict[str, Any] = {
            "id": str(snowflake()),
            "application_id": str(self.application_id),
            "type": kind,
            "data": data,
            "token": f"standin-interaction-{uuid.uuid4().hex}",
            "version": 1,
            "locale": locale,
            "entitlements": [],
            "attachment_size_limit": 10 * 1024 * 1024,
            "app_permissions": str(self.permissions_for(self.bot_id)),
        }
        if guild:
            wanted = channel_id or self.channel_id
            channel = self.channels.get(wanted) or self.threads[wanted]
            payload.update(
                guild_id=str(self.guild_id),
                guild={"id": str(self.guild_id), "locale": "en-US", "features": []},
                guild_locale="en-US",
                channel_id=channel["id"],
                channel=dict(channel),
                member=self.member_payload(user_id, permissions=True),
                authorizing_integration_owners={"0": str(self.guild_id)},
                context=0,
            )
        else:
            dm = self.dm_channel_payload(user_id)
            if channel_id is not None:
                dm["id"] = str(channel_id)
            payload.update(
                channel_id=dm["id"],
                channel=dm,
                user=self.user_payload(user_id),
                authorizing_integration_owners={"1": str(user_id)},
                context=1,
            )
        return payload

    def slash_command_interaction(
        self,
        name: str,
        options: Mapping[str, Any] | list[dict[str, Any]] | None = None,
        *,
        user: int | None = None,
        guild: bool = True,
        channel_id: int | None = None,
        command_id: int | None = None,
        command_guild_id: int | None = AUTO,
        resolved: dict[str, Any] | None = None,
        locale: str = "en-US",
    ) -> dict[str, Any]:
        """Build an ``INTERACTION_CREATE`` payload for a chat-input (slash) command.

        ``options`` is a name->value mapping (str/int/float/bool get types 3/4/10/5) or a raw
        option list (for subcommands, users, ...). ``user`` defaults to ``member_id``. With
        ``guild=False`` it is a DM interaction (``user`` instead of ``member``). The command id
        and ``data.guild_id`` come from synced commands when known (a guild-synced command gets
        ``data.guild_id``, which discord.py's tree needs to find guild commands); pass
        ``command_guild_id`` to override.
        """
        if isinstance(options, Mapping):
            options = [option_payload(key, value) for key, value in options.items()]
        synced_guild, synced_id = self._find_command(name, self.guild_id if guild else None)
        if command_guild_id is AUTO:
            command_guild_id = synced_guild
        data: dict[str, Any] = {
            "id": str(command_id or synced_id or snowflake()),
            "name": name,
            "type": 1,
            "options": list(options or []),
        }
        if command_guild_id is not None:
            data["guild_id"] = str(command_guild_id)
        if resolved is not None:
            data["resolved"] = resolved
        return self._interaction(
            2, data, user=user, guild=guild, channel_id=channel_id, locale=locale
        )

    def _find_command(self, name: str, guild_id: int | None) -> tuple[int | None, int | None]:
        for scope in (guild_id, None) if guild_id is not None else (None,):
            for command in self.commands.get(scope, []):
                if command["name"] == name and command.get("type", 1) == 1:
                    return scope, int(command["id"])
        return None, None

    def message_create(
        self,
        content: str,
        *,
        author: int | None = None,
        mentions: Iterable[int] | None = None,
        channel_id: int | None = None,
        guild: bool = True,
        **extra: Any,
    ) -> dict[str, Any]:
        """Build a ``MESSAGE_CREATE`` payload from ``author`` (default ``member_id``).

        ``mentions`` defaults to the ``<@id>`` mentions found in ``content``; use
        ``f"<@{discord_server.bot_id}> question"`` to mention the bot. With ``guild=False`` it
        is a DM in the author's DM channel (no ``guild_id``: discord.py then builds a
        ``DMChannel`` itself). ``extra`` keys are merged into the payload.
        """
        author_id = self.member_id if author is None else author
        if mentions is None:
            mentions = [int(m) for m in re.findall(r"<@!?(\d+)>", content)]
        mention_payloads = []
        for user_id in mentions:
            mentioned = self.users.get(user_id) or self._user(user_id, f"user{user_id}")
            if guild and user_id in self.member_roles:
                mentioned = {**mentioned, "member": self.member_payload(user_id, with_user=False)}
            mention_payloads.append(mentioned)
        if guild:
            channel = channel_id or self.channel_id
        else:
            channel = channel_id or self.dm_channel_id(author_id)
        payload: dict[str, Any] = {
            "id": str(snowflake()),
            "type": 0,
            "channel_id": str(channel),
            "author": self.user_payload(author_id),
            "content": content,
            "timestamp": iso_now(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": mention_payloads,
            "mention_roles": [],
            "mention_channels": [],
            "attachments": [],
            "embeds": [],
            "components": [],
            "pinned": False,
            "flags": 0,
            "nonce": str(snowflake()),
        }
        if guild:
            payload["guild_id"] = str(self.guild_id)
            payload["member"] = self.member_payload(author_id, with_user=False)
        payload.update(extra)
        return payload

    def _bot_message(
        self, channel_id: int, body: Mapping[str, Any] | None, **extra: Any
    ) -> dict[str, Any]:
        body = body or {}
        message: dict[str, Any] = {
            "id": str(snowflake()),
            "type": 0,
            "channel_id": str(channel_id),
            "author": self.user_payload(self.bot_id),
            "content": body.get("content") or "",
            "timestamp": iso_now(),
            "edited_timestamp": None,
            "tts": bool(body.get("tts", False)),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "pinned": False,
            "flags": int(body.get("flags") or 0),
        }
        if body.get("message_reference"):
            message["type"] = 19
            reference = {"type": 0, "channel_id": channel_id, **body["message_reference"]}
            message["message_reference"] = {  # Discord answers with string ids
                key: str(value) if key.endswith("_id") and value is not None else value
                for key, value in reference.items()
            }
        message.update(extra)
        self.messages[int(message["id"])] = message
        return message


def option_payload(name: str, value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        kind = 5
    elif isinstance(value, int):
        kind = 4
    elif isinstance(value, float):
        kind = 10
    else:
        kind, value = 3, str(value)
    return {"name": name, "type": kind, "value": value}
