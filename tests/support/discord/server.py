"""The stand-in server: its state, set-up and lifecycle; mixins add the rest."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Callable, Iterable
from typing import Any, Literal

import discord
import discord.gateway
import discord.http
from aiohttp import web

from tests.support.discord.client import point_discord_py_at
from tests.support.discord.constants import ADMIN_ROLE_PERMISSIONS, EVERYONE_PERMISSIONS
from tests.support.discord.gateway import Gateway, GatewayConnection
from tests.support.discord.payloads import Payloads, snowflake
from tests.support.discord.recording import RecordedRequest, Recorder
from tests.support.discord.rest import Rest


class DiscordStandIn(Payloads, Gateway, Rest, Recorder):
    """A fake Discord (REST under ``/api/v10`` + gateway websocket) on 127.0.0.1.

    Use as ``async with DiscordStandIn(...) as discord_server:`` inside a running event loop.
    All ids are configurable; ``application_id`` defaults to ``bot_id`` as for modern apps and
    the ``@everyone`` role id is the guild id, as on Discord. ``admin_id`` holds the ``Admins``
    role (``admin_permissions``, by default Manage Server/Channels/Messages, no Administrator);
    ``member_id`` only ``@everyone``; the guild owner ``owner_id`` is not a member.
    """

    def __init__(
        self,
        *,
        token: str = "standin.bot.token",
        bot_id: int = 100000000000000001,
        bot_name: str = "geoqa",
        application_id: int | None = None,
        guild_id: int = 200000000000000001,
        guild_name: str = "Stand-in Guild",
        channel_id: int = 300000000000000001,
        channel_name: str = "general",
        member_id: int = 400000000000000001,
        member_name: str = "alice",
        admin_id: int = 400000000000000002,
        admin_name: str = "bob",
        owner_id: int = 400000000000000003,
        admin_role_id: int = 500000000000000001,
        everyone_permissions: int = EVERYONE_PERMISSIONS,
        admin_permissions: int = ADMIN_ROLE_PERMISSIONS,
        heartbeat_interval_ms: int = 41250,
        compression: Literal["auto", "none"] = "auto",
        enforce_intents: bool = True,
        point_discord_py: bool = True,
    ) -> None:
        self.token = token
        self.bot_id = bot_id
        self.bot_name = bot_name
        self.application_id = application_id if application_id is not None else bot_id
        self.guild_id = guild_id
        self.guild_name = guild_name
        self.channel_id = channel_id
        self.member_id = member_id
        self.admin_id = admin_id
        self.owner_id = owner_id
        self.admin_role_id = admin_role_id
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.compression = compression
        self.enforce_intents = enforce_intents
        self.point_discord_py = point_discord_py

        #: Every REST request, in arrival order.
        self.requests: list[RecordedRequest] = []
        #: Every payload the client sent on the gateway (heartbeats included).
        self.gateway_received: list[dict[str, Any]] = []
        #: Every payload the stand-in sent on the gateway.
        self.gateway_sent: list[dict[str, Any]] = []
        #: Gateway connections, oldest first.
        self.connections: list[GatewayConnection] = []
        #: The last IDENTIFY payload's ``d`` (token, intents, properties...).
        self.identify_payload: dict[str, Any] | None = None
        #: Events ``dispatch`` did not deliver because the client lacks the intent.
        self.dropped_events: list[tuple[str, dict[str, Any]]] = []
        #: Synced application commands: ``None`` -> global, guild id -> that guild's.
        self.commands: dict[int | None, list[dict[str, Any]]] = {}
        #: Tracebacks of stand-in bugs hit while answering requests (answered with a 400).
        self.errors: list[str] = []
        #: Messages the bot created (channel messages, interaction responses, follow-ups).
        self.messages: dict[int, dict[str, Any]] = {}

        self.roles: dict[int, dict[str, Any]] = {}
        self.channels: dict[int, dict[str, Any]] = {}
        #: Threads (channel type 11), by id: started by the bot or added with ``add_thread``.
        self.threads: dict[int, dict[str, Any]] = {}
        #: Gateway events a REST request caused, sent before that request is answered.
        self._pending_events: list[tuple[str, dict[str, Any]]] = []
        self.users: dict[int, dict[str, Any]] = {}
        self.member_roles: dict[int, list[int]] = {}
        self._dm_channels: dict[int, int] = {}  # recipient id -> DM channel id
        self._interactions: dict[str, dict[str, Any]] = {}  # token -> state
        self._sessions: dict[str, int] = {}  # session id -> last sequence
        self._current: GatewayConnection | None = None
        self._waiters: list[asyncio.Future[None]] = []
        self._command_ids: dict[tuple[int | None, str, int], int] = {}
        self._runner: web.AppRunner | None = None
        self._restore: Callable[[], None] | None = None
        self.port = 0

        self._add_role(guild_id, "@everyone", everyone_permissions, position=0)
        self._add_role(admin_role_id, "Admins", admin_permissions, position=1, hoist=True)
        self.add_text_channel(channel_id, channel_name)
        self.users[bot_id] = self._user(bot_id, bot_name, bot=True, discriminator="0001")
        self.member_roles[bot_id] = []
        self.users[owner_id] = self._user(owner_id, "owner")
        self.add_member(member_id, member_name)
        self.add_member(admin_id, admin_name, roles=[admin_role_id])

    def add_member(
        self, user_id: int, username: str, *, roles: Iterable[int] = (), bot: bool = False
    ) -> dict[str, Any]:
        """Add a guild member (sent in ``GUILD_CREATE`` if added before the client connects)."""
        self.users[user_id] = self._user(user_id, username, bot=bot)
        self.member_roles[user_id] = [int(r) for r in roles]
        return self.users[user_id]

    def add_text_channel(self, channel_id: int, name: str) -> dict[str, Any]:
        """Add a guild text channel (sent in ``GUILD_CREATE`` if added before connecting)."""
        self.channels[channel_id] = {
            "id": str(channel_id),
            "type": 0,
            "guild_id": str(self.guild_id),
            "name": name,
            "position": len(self.channels),
            "permission_overwrites": [],
            "topic": None,
            "nsfw": False,
            "parent_id": None,
            "rate_limit_per_user": 0,
            "last_message_id": None,
            "flags": 0,
        }
        return self.channels[channel_id]

    def add_thread(
        self, name: str, *, parent_id: int | None = None, owner_id: int | None = None
    ) -> dict[str, Any]:
        """Add a public thread of a text channel (default: the configured channel, owned by
        ``member_id``); sent in ``GUILD_CREATE`` if added before the client connects."""
        thread = self.thread_payload(
            snowflake(),
            parent_id or self.channel_id,
            name,
            self.member_id if owner_id is None else owner_id,
        )
        self.threads[int(thread["id"])] = thread
        return thread

    def _add_role(self, role_id: int, name: str, permissions: int, **extra: Any) -> None:
        self.roles[role_id] = {
            "id": str(role_id),
            "name": name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "managed": False,
            "mentionable": False,
            "permissions": str(permissions),
            "flags": 0,
            **extra,
        }

    @property
    def base_url(self) -> str:
        """The server root, e.g. ``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """The REST base, e.g. ``http://127.0.0.1:PORT/api/v10`` (what ``Route.BASE`` gets)."""
        return f"{self.base_url}/api/v{discord.http.INTERNAL_API_VERSION}"

    @property
    def gateway_url(self) -> str:
        """The gateway websocket URL, e.g. ``ws://127.0.0.1:PORT/gateway``."""
        return f"ws://127.0.0.1:{self.port}/gateway"

    async def start(self) -> None:
        """Start serving on an ephemeral loopback port (and patch discord.py if asked)."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/gateway/", self._gateway)
        app.router.add_route("*", "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        if self.point_discord_py:
            self._restore = point_discord_py_at(self.base_url, gateway_url=self.gateway_url)

    async def stop(self) -> None:
        """Close gateway connections, stop the server and undo the discord.py patch."""
        try:
            for conn in self.connections:
                if not conn.ws.closed:
                    with contextlib.suppress(Exception):
                        await conn.ws.close(code=1001, message=b"stand-in stopping")
            if self._runner is not None:
                await self._runner.cleanup()
                self._runner = None
        finally:
            if self._restore is not None:
                self._restore()
                self._restore = None
            for waiter in self._waiters:
                waiter.cancel()

    async def __aenter__(self) -> DiscordStandIn:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()
