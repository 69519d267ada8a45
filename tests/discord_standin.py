"""A local Discord stand-in: REST + gateway on 127.0.0.1, driven by the REAL discord.py client.

dpytest cannot drive application (slash) commands, so geoqa's tests run discord.py against this
small fake Discord served by aiohttp on an ephemeral loopback port. It speaks enough of API v10
and gateway v10 for a bot to log in, connect, get READY + GUILD_CREATE (a guild with a text
channel, ``@everyone`` and ``Admins`` roles, an ordinary member and an admin member), sync
commands, receive injected events (``INTERACTION_CREATE``, ``MESSAGE_CREATE``, ...) and answer
them. Every REST request is recorded, so tests assert on what the bot sent.

How a test uses it (plain pytest function, no pytest-asyncio)::

    def test_ping():
        async def scenario():
            async with DiscordStandIn() as discord_server:  # also points discord.py at it
                client = make_my_client()  # e.g. discord.Client(..., guild_ready_timeout=0.1)
                async with running_client(client, discord_server.token):
                    mark = discord_server.mark()
                    await discord_server.dispatch(
                        "INTERACTION_CREATE", discord_server.slash_command_interaction("ping")
                    )
                    reply = await discord_server.wait_for_request(
                        "POST", r"/webhooks/\\d+/[^/]+", after=mark
                    )
                    assert reply.json["content"] == "pong"

        asyncio.run(asyncio.wait_for(scenario(), 20))

Pointing discord.py at the stand-in: discord.py builds every REST URL from the class attribute
``discord.http.Route.BASE`` (``https://discord.com/api/v10``; webhooks and interaction callbacks
use the same ``Route``), and a plain ``discord.Client`` never asks ``/gateway/bot``: it connects
to ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY`` and afterwards resumes at READY's
``resume_gateway_url``. :func:`point_discord_py_at` swaps both class attributes and returns a
function that restores them; ``DiscordStandIn(point_discord_py=True)`` (the default) does this on
enter and restores on exit. A bot that takes its own API-base setting can instead be given
``discord_server.api_url`` (and ``discord_server.gateway_url``).

Notes on fidelity (things discord.py relies on):

* discord.py asks for ``?v=10&encoding=json&compress=zstd-stream`` (or ``zlib-stream`` without
  ``zstandard``). It decodes TEXT frames as plain JSON and BINARY frames with its decompressor,
  so compression is optional; by default the stand-in honours the request (zstd or zlib with
  ``Z_SYNC_FLUSH``) and falls back to text frames; ``compression="none"`` forces text.
* ``Client.login`` calls ``GET /users/@me`` (401 -> ``discord.LoginFailure``) and then
  ``GET /oauth2/applications/@me`` (not ``/applications/@me``; both are served).
* ``on_ready`` fires ``guild_ready_timeout`` (default 2 s) after the last ``GUILD_CREATE``;
  pass ``guild_ready_timeout=0.1`` to the client in tests to save time.
* Interaction callbacks are sent with ``?with_response=1`` and need an ``InteractionCallback``
  body; a second acknowledgement gets Discord's 400 (code 40060).
* With ``enforce_intents=True`` (default) the gateway behaves like Discord for messages: without
  the ``message_content`` intent, guild messages that do not mention the bot arrive with empty
  content, and ``MESSAGE_CREATE`` is not delivered without the guild/DM messages intent.
* DMs need no ``CHANNEL_CREATE``: discord.py makes a ``DMChannel`` for any message without
  ``guild_id``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import socket
import time
import traceback
import uuid
import zlib
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import discord
import discord.gateway
import discord.http
import yarl
from aiohttp import WSMsgType, web
from multidict import CIMultiDict, CIMultiDictProxy

__all__ = [
    "DiscordStandIn",
    "GatewayConnection",
    "RecordedFile",
    "RecordedRequest",
    "StandInTimeout",
    "point_discord_py_at",
    "running_client",
    "snowflake",
]

DISCORD_EPOCH_MS = 1420070400000
_API_PREFIX = re.compile(r"^/api/v\d+(?=/|$)")
_AUTO: Any = object()

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

_counter = itertools.count()


def snowflake() -> int:
    """Return a fresh, time-based Discord snowflake (unique within this process)."""
    millis = int(time.time() * 1000) - DISCORD_EPOCH_MS
    return (millis << 22) | (1 << 17) | (next(_counter) & 0xFFF)


def _iso_now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class RecordedFile:
    """A file part of a ``multipart/form-data`` request."""

    field_name: str
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass
class RecordedRequest:
    """One REST request the client made, with what the stand-in answered.

    ``path`` is relative to the API base (``/channels/1/messages``, not ``/api/v10/...``);
    ``json`` is the JSON body, or the ``payload_json`` part of a multipart body.
    """

    method: str
    path: str
    json: Any
    headers: CIMultiDictProxy[str]
    query: dict[str, str] = field(default_factory=dict)
    form: dict[str, str] = field(default_factory=dict)
    files: list[RecordedFile] = field(default_factory=list)
    body: bytes = b""
    status: int = 0
    response: Any = None

    @property
    def authorization(self) -> str | None:
        """The ``Authorization`` header, if any (``"Bot <token>"`` for bot requests)."""
        return self.headers.get("Authorization")

    def __repr__(self) -> str:
        return f"<{self.method} {self.path} -> {self.status} json={self.json!r}>"


@dataclass
class GatewayConnection:
    """One websocket connection to the stand-in's gateway."""

    ws: web.WebSocketResponse = field(repr=False)
    query: dict[str, str]
    encoder: _FrameEncoder = field(repr=False)
    session_id: str | None = None
    seq: int = 0
    closed: bool = False
    lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)


class StandInTimeout(AssertionError):
    """A ``wait_for_*`` helper ran out of time (an ``AssertionError``, so it fails a test)."""


class _FrameEncoder:
    """Encodes server->client gateway payloads the way the client asked (``compress=``)."""

    def __init__(self, requested: str | None, allowed: bool) -> None:
        self.kind = "none"
        self._zlib: Any = None
        self._zstd: Any = None
        self._zstd_flush: Any = None
        if not allowed:
            return
        if requested == "zlib-stream":
            self.kind = requested
            self._zlib = zlib.compressobj()
        elif requested == "zstd-stream":
            try:
                import zstandard
            except ImportError:  # discord.py also accepts plain text frames
                return
            self.kind = requested
            self._zstd = zstandard.ZstdCompressor().compressobj()
            self._zstd_flush = zstandard.COMPRESSOBJ_FLUSH_BLOCK

    def encode(self, text: str) -> str | bytes:
        """Return a TEXT payload (``str``) or a compressed BINARY payload (``bytes``)."""
        data = text.encode()
        if self._zlib is not None:
            return self._zlib.compress(data) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
        if self._zstd is not None:
            return self._zstd.compress(data) + self._zstd.flush(self._zstd_flush)
        return text


def point_discord_py_at(base_url: str, *, gateway_url: str | None = None) -> Callable[[], None]:
    """Point discord.py's REST and gateway URLs at ``base_url``; return a function undoing it.

    ``base_url`` is the server root (``http://127.0.0.1:PORT``) or an API base ending in
    ``/api/vN``. ``gateway_url`` defaults to the root's ``ws://.../gateway``. This patches the
    class attributes ``discord.http.Route.BASE`` and
    ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY``, so it affects every client in the
    process until the returned function is called.
    """
    root = yarl.URL(base_url.rstrip("/"))
    api_suffix = re.search(r"/api/v\d+$", root.path)
    if api_suffix:
        api = str(root)
        root = root.with_path(root.path[: api_suffix.start()])
    else:
        api = f"{root}/api/v{discord.http.INTERNAL_API_VERSION}"
    if gateway_url is None:
        ws_root = root.with_scheme("wss" if root.scheme == "https" else "ws")
        gateway_url = f"{str(ws_root).rstrip('/')}/gateway"

    old_base = discord.http.Route.BASE
    old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = api
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)

    def restore() -> None:
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway

    return restore


@contextlib.asynccontextmanager
async def running_client(
    client: discord.Client, token: str, *, timeout: float = 10.0
) -> AsyncIterator[discord.Client]:
    """Run ``client.start(token)`` as a task, yield once it is ready, then close it cleanly.

    Raises what ``client.start`` raised if it stopped before becoming ready (for instance
    ``discord.LoginFailure``), or ``StandInTimeout`` if it was not ready within ``timeout``.
    """
    task = asyncio.create_task(client.start(token), name="discord-client-start")
    try:
        try:
            async with asyncio.timeout(timeout):
                while not client.is_ready():
                    if task.done():
                        task.result()
                        raise RuntimeError("client.start() returned before the client was ready")
                    await asyncio.sleep(0.01)
        except TimeoutError:
            raise StandInTimeout(f"client not ready within {timeout}s") from None
        yield client
    finally:
        await client.close()
        done, _ = await asyncio.wait({task}, timeout=timeout)
        error = None
        if not done:
            task.cancel()
            await asyncio.wait({task}, timeout=1.0)
        elif not task.cancelled():
            error = task.exception()
    if error is not None:
        raise error


class DiscordStandIn:
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

    # ------------------------------------------------------------------ setup / lifecycle

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

    # ------------------------------------------------------------------ waiting / inspecting

    def mark(self) -> int:
        """The number of requests recorded so far; pass it as ``after=`` to skip them."""
        return len(self.requests)

    def find_requests(
        self,
        method: str | None = None,
        path: str | re.Pattern[str] | None = None,
        *,
        after: int = 0,
    ) -> list[RecordedRequest]:
        """Recorded requests (from index ``after``) whose method matches and path fullmatches."""
        pattern = re.compile(path) if isinstance(path, str) else path
        return [
            r
            for r in self.requests[after:]
            if (method is None or r.method == method.upper())
            and (pattern is None or pattern.fullmatch(r.path))
        ]

    async def wait_for_request(
        self,
        method: str,
        path: str | re.Pattern[str],
        *,
        timeout: float = 10.0,
        after: int = 0,
        where: Callable[[RecordedRequest], bool] | None = None,
    ) -> RecordedRequest:
        """Wait for the first request from index ``after`` with this method and path regex.

        ``path`` must fullmatch the API-relative path (e.g. ``r"/channels/\\d+/messages"``);
        ``where`` can add a condition on the record. Requests already recorded count, so there
        is no race with a request that arrived before the call.
        """

        def find() -> RecordedRequest | None:
            for record in self.find_requests(method, path, after=after):
                if where is None or where(record):
                    return record
            return None

        return await self._wait(find, timeout, f"{method.upper()} {path}")

    async def wait_for_gateway_op(
        self, op: int, *, timeout: float = 10.0, after: int = 0
    ) -> dict[str, Any]:
        """Wait for a client->server gateway payload with opcode ``op`` (from index ``after``)."""

        def find() -> dict[str, Any] | None:
            return next((p for p in self.gateway_received[after:] if p.get("op") == op), None)

        return await self._wait(find, timeout, f"gateway op {op}")

    async def wait_until_identified(self, timeout: float = 10.0) -> GatewayConnection:
        """Wait until a client has IDENTIFYed (or RESUMEd) on an open connection."""

        def find() -> GatewayConnection | None:
            conn = self._current
            return conn if conn is not None and not conn.closed else None

        return await self._wait(find, timeout, "an identified gateway connection")

    async def _wait(self, find: Callable[[], Any], timeout: float, what: str) -> Any:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                while True:
                    found = find()
                    if found is not None:
                        return found
                    waiter = loop.create_future()
                    self._waiters.append(waiter)
                    await waiter
        except TimeoutError:
            seen = "\n  ".join(repr(r) for r in self.requests) or "(none)"
            raise StandInTimeout(
                f"timed out after {timeout}s waiting for {what}; requests so far:\n  {seen}"
            ) from None

    def _notify(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    # ------------------------------------------------------------------ payload builders

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
            "threads": [],
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

    def slash_command_interaction(
        self,
        name: str,
        options: Mapping[str, Any] | list[dict[str, Any]] | None = None,
        *,
        user: int | None = None,
        guild: bool = True,
        channel_id: int | None = None,
        command_id: int | None = None,
        command_guild_id: int | None = _AUTO,
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
        user_id = self.member_id if user is None else user
        if isinstance(options, Mapping):
            options = [_option(key, value) for key, value in options.items()]
        synced_guild, synced_id = self._find_command(name, self.guild_id if guild else None)
        if command_guild_id is _AUTO:
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
        payload: dict[str, Any] = {
            "id": str(snowflake()),
            "application_id": str(self.application_id),
            "type": 2,
            "data": data,
            "token": f"standin-interaction-{uuid.uuid4().hex}",
            "version": 1,
            "locale": locale,
            "entitlements": [],
            "attachment_size_limit": 10 * 1024 * 1024,
            "app_permissions": str(self.permissions_for(self.bot_id)),
        }
        if guild:
            channel = self.channels[channel_id or self.channel_id]
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
            "timestamp": _iso_now(),
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
            "timestamp": _iso_now(),
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

    # ------------------------------------------------------------------ gateway

    async def dispatch(self, event: str, data: dict[str, Any]) -> int | None:
        """Send a DISPATCH (op 0) ``event`` with ``data`` to the identified client.

        Waits (up to 10 s) for an identified connection. Returns the sequence number, or
        ``None`` if the event was dropped because the client lacks the intent (see
        ``enforce_intents``). ``INTERACTION_CREATE`` payloads are remembered so the
        interaction's callback and webhook routes work.
        """
        conn = await self.wait_until_identified()
        if event == "INTERACTION_CREATE":
            self._interactions.setdefault(
                data["token"],
                {
                    "id": int(data["id"]),
                    "channel_id": int(data.get("channel_id") or data["channel"]["id"]),
                    "acknowledged": False,
                    "original_id": None,
                },
            )
        if event in ("MESSAGE_CREATE", "MESSAGE_UPDATE") and self.enforce_intents:
            filtered = self._apply_message_intents(data)
            if filtered is None:
                self.dropped_events.append((event, data))
                return None
            data = filtered
        await self._send_dispatch(conn, event, data)
        return conn.seq

    def _apply_message_intents(self, data: dict[str, Any]) -> dict[str, Any] | None:
        intents = int((self.identify_payload or {}).get("intents", 0))
        in_guild = "guild_id" in data
        if not intents & (INTENT_GUILD_MESSAGES if in_guild else INTENT_DM_MESSAGES):
            return None
        mentioned = any(int(m["id"]) == self.bot_id for m in data.get("mentions", []))
        from_bot = int(data.get("author", {}).get("id", 0)) == self.bot_id
        if intents & INTENT_MESSAGE_CONTENT or not in_guild or mentioned or from_bot:
            return data
        return {
            **data,
            "content": "",
            "embeds": [],
            "attachments": [],
            "components": [],
        }

    async def send_reconnect(self) -> None:
        """Ask the client to reconnect (op 7); discord.py then RESUMEs on a new connection."""
        conn = await self.wait_until_identified()
        self._current = None
        await self._send(conn, {"op": OP_RECONNECT, "d": None, "s": None, "t": None})

    async def _send(self, conn: GatewayConnection, payload: dict[str, Any]) -> None:
        async with conn.lock:  # compressed streams must stay in order
            frame = conn.encoder.encode(json.dumps(payload))
            self.gateway_sent.append(payload)
            if isinstance(frame, bytes):
                await conn.ws.send_bytes(frame)
            else:
                await conn.ws.send_str(frame)

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        query = dict(request.query)
        encoder = _FrameEncoder(query.get("compress"), allowed=self.compression == "auto")
        conn = GatewayConnection(ws=ws, query=query, encoder=encoder)
        self.connections.append(conn)
        try:
            hello = {
                "heartbeat_interval": self.heartbeat_interval_ms,
                "_trace": ["discord-standin"],
            }
            await self._send(conn, {"op": OP_HELLO, "d": hello, "s": None, "t": None})
            async for msg in ws:
                if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                    break
                payload = json.loads(msg.data)
                self.gateway_received.append(payload)
                await self._on_gateway_payload(conn, payload)
                self._notify()
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            conn.closed = True
            if self._current is conn:
                self._current = None
            self._notify()
        return ws

    async def _on_gateway_payload(self, conn: GatewayConnection, payload: dict[str, Any]) -> None:
        op, data = payload.get("op"), payload.get("d")
        if op == OP_HEARTBEAT:
            await self._send(conn, {"op": OP_HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == OP_IDENTIFY:
            if data.get("token") != self.token:
                await conn.ws.close(code=4004, message=b"Authentication failed.")
                return
            self.identify_payload = data
            conn.session_id = uuid.uuid4().hex
            conn.seq = 0
            self._current = conn
            await self._send_dispatch(conn, "READY", self._ready_payload(conn.session_id))
            await self._send_dispatch(conn, "GUILD_CREATE", self.guild_create_payload())
        elif op == OP_RESUME:
            session = data.get("session_id")
            if data.get("token") != self.token or session not in self._sessions:
                await self._send(conn, {"op": OP_INVALID_SESSION, "d": False, "s": None, "t": None})
                return
            conn.session_id = session
            conn.seq = self._sessions[session]
            self._current = conn
            await self._send_dispatch(conn, "RESUMED", {"_trace": ["discord-standin"]})
        elif op == OP_REQUEST_MEMBERS:
            await self._send_member_chunk(conn, data)

    async def _send_dispatch(self, conn: GatewayConnection, event: str, data: Any) -> None:
        conn.seq += 1
        await self._send(conn, {"op": OP_DISPATCH, "t": event, "s": conn.seq, "d": data})
        if conn.session_id is not None:
            self._sessions[conn.session_id] = conn.seq

    async def _send_member_chunk(self, conn: GatewayConnection, data: dict[str, Any]) -> None:
        wanted = {int(u) for u in data.get("user_ids") or []}
        query = (data.get("query") or "").lower()
        members = [
            self.member_payload(uid)
            for uid in self.member_roles
            if (not wanted or uid in wanted) and self.users[uid]["username"].startswith(query)
        ]
        if data.get("limit"):
            members = members[: int(data["limit"])]
        chunk = {
            "guild_id": str(data.get("guild_id")),
            "members": members,
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("nonce"):
            chunk["nonce"] = data["nonce"]
        await self._send_dispatch(conn, "GUILD_MEMBERS_CHUNK", chunk)

    # ------------------------------------------------------------------ REST

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        record = await self._record(request)
        self.requests.append(record)
        try:
            status, payload = self._route(record, request.path)
        except Exception as exc:  # a stand-in bug: a 400 (a 5xx would make discord.py retry)
            self.errors.append(traceback.format_exc())
            status, payload = 400, {"message": f"stand-in error: {exc!r}", "code": 50035}
        record.status, record.response = status, payload
        self._notify()
        if payload is None:
            return web.Response(status=status)
        # Exactly "application/json": discord.py's json_or_text compares the header verbatim
        # and treats "application/json; charset=utf-8" (aiohttp's default) as plain text.
        body = json.dumps(payload).encode()
        return web.Response(body=body, status=status, headers={"Content-Type": "application/json"})

    @staticmethod
    async def _record(request: web.Request) -> RecordedRequest:
        path = _API_PREFIX.sub("", request.path) or "/"
        record = RecordedRequest(
            method=request.method,
            path=path,
            json=None,
            headers=CIMultiDictProxy(CIMultiDict(request.headers)),
            query=dict(request.query),
        )
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                data = await part.read(decode=True)  # type: ignore[union-attr]
                name = part.name or ""
                if part.filename is None:
                    record.form[name] = data.decode()
                    if name == "payload_json":
                        record.json = json.loads(data)
                else:
                    ctype = part.headers.get("Content-Type")
                    record.files.append(RecordedFile(name, part.filename, ctype, bytes(data)))
        else:
            record.body = await request.read()
            if record.body:
                with contextlib.suppress(ValueError):
                    record.json = json.loads(record.body)
        return record

    def _route(self, record: RecordedRequest, raw_path: str) -> tuple[int, Any]:
        if not _API_PREFIX.match(raw_path):
            return _not_found()
        for method, pattern, handler, needs_auth in self._routes():
            if method != record.method:
                continue
            match = re.fullmatch(pattern, record.path)
            if match is None:
                continue
            if needs_auth and record.authorization != f"Bot {self.token}":
                return 401, {"message": "401: Unauthorized", "code": 0}
            return handler(record, *match.groups())
        return _not_found()

    def _routes(self) -> list[tuple[str, str, Callable[..., tuple[int, Any]], bool]]:
        app = r"/applications/(\d+)"
        hook = r"/webhooks/(\d+)/([^/]+)"
        return [
            ("GET", r"/users/@me", lambda r: (200, self._me()), True),
            ("GET", r"/users/(\d+)", self._get_user, True),
            ("GET", r"/gateway", lambda r: (200, {"url": self.gateway_url}), False),
            ("GET", r"/gateway/bot", self._gateway_bot, True),
            ("GET", r"/(?:oauth2/)?applications/@me", lambda r: (200, self._app()), True),
            ("PUT", rf"{app}/commands", self._put_commands, True),
            ("PUT", rf"{app}/guilds/(\d+)/commands", self._put_commands, True),
            ("GET", rf"{app}/commands", self._get_commands, True),
            ("GET", rf"{app}/guilds/(\d+)/commands", self._get_commands, True),
            ("POST", r"/interactions/(\d+)/([^/]+)/callback", self._callback, False),
            ("POST", hook, self._followup, False),
            ("GET", rf"{hook}/messages/([^/]+)", self._get_hook_message, False),
            ("PATCH", rf"{hook}/messages/([^/]+)", self._edit_hook_message, False),
            ("DELETE", rf"{hook}/messages/([^/]+)", self._delete_hook_message, False),
            ("GET", r"/channels/(\d+)", self._get_channel, True),
            ("POST", r"/channels/(\d+)/messages", self._create_message, True),
            ("PATCH", r"/channels/(\d+)/messages/(\d+)", self._edit_message, True),
            ("DELETE", r"/channels/(\d+)/messages/(\d+)", self._delete_message, True),
            ("POST", r"/channels/(\d+)/typing", self._typing, True),
            ("PUT", r"/channels/(\d+)/messages/(\d+)/reactions/[^/]+/@me", self._no_content, True),
            ("POST", r"/users/@me/channels", self._create_dm, True),
        ]

    def _app(self) -> dict[str, Any]:
        return self._application_payload()

    def _get_user(self, record: RecordedRequest, user_id: str) -> tuple[int, Any]:
        if int(user_id) not in self.users:
            return 404, {"message": "Unknown User", "code": 10013}
        return 200, self.user_payload(int(user_id))

    def _gateway_bot(self, record: RecordedRequest) -> tuple[int, Any]:
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return 200, {"url": self.gateway_url, "shards": 1, "session_start_limit": limit}

    def _put_commands(self, record: RecordedRequest, app_id: str, guild_id: str | None = None):
        scope = int(guild_id) if guild_id is not None else None
        echoed = []
        for command in record.json or []:
            kind = int(command.get("type", 1))
            key = (scope, command["name"], kind)
            if key not in self._command_ids:
                self._command_ids[key] = snowflake()
            item = {
                "type": 1,
                "description": "",
                "options": [],
                "default_member_permissions": None,
                "nsfw": False,
                **command,
                "id": str(self._command_ids[key]),
                "application_id": app_id,
                "version": str(snowflake()),
            }
            if scope is not None:
                item["guild_id"] = str(scope)
            echoed.append(item)
        self.commands[scope] = echoed
        return 200, echoed

    def _get_commands(self, record: RecordedRequest, app_id: str, guild_id: str | None = None):
        return 200, self.commands.get(int(guild_id) if guild_id is not None else None, [])

    def _callback(self, record: RecordedRequest, interaction_id: str, token: str):
        state = self._interactions.get(token)
        if state is None or state["id"] != int(interaction_id):
            return 404, {"message": "Unknown interaction", "code": 10062}
        if state["acknowledged"]:
            return 400, {"message": "Interaction has already been acknowledged.", "code": 40060}
        body = record.json or {}
        kind = int(body.get("type", 0))
        data = body.get("data") or {}
        state["acknowledged"] = True
        interaction = {"id": interaction_id, "type": 2}
        resource: dict[str, Any] = {"type": kind}
        if kind in (4, 5):
            flags = int(data.get("flags") or 0)
            app_id = str(self.application_id)
            extra = {"webhook_id": app_id, "application_id": app_id}
            if kind == 5:
                message = self._bot_message(state["channel_id"], {"flags": flags | 128}, **extra)
            else:
                message = self._bot_message(state["channel_id"], data, **extra)
            state["original_id"] = int(message["id"])
            interaction.update(
                response_message_id=message["id"],
                response_message_loading=kind == 5,
                response_message_ephemeral=bool(flags & 64),
            )
            if kind == 4:
                resource["message"] = message
        if record.query.get("with_response") not in ("1", "true", "True"):
            return 204, None
        return 200, {"interaction": interaction, "resource": resource}

    def _followup(self, record: RecordedRequest, app_id: str, token: str) -> tuple[int, Any]:
        state = self._interactions.get(token)
        if state is None or int(app_id) != self.application_id:
            return 404, {"message": "Unknown Webhook", "code": 10015}
        extra = {"webhook_id": app_id, "application_id": app_id}
        message = self._bot_message(state["channel_id"], record.json, **extra)
        message["attachments"] = _attachments(record)
        if record.query.get("wait") not in ("1", "true", "True"):
            return 204, None
        return 200, message

    def _hook_message(self, app_id: str, token: str, message_id: str) -> dict[str, Any] | None:
        state = self._interactions.get(token)
        if state is None or int(app_id) != self.application_id:
            return None
        if message_id == "@original":
            if state["original_id"] is None:
                return None
            return self.messages.get(state["original_id"])
        return self.messages.get(int(message_id)) if message_id.isdigit() else None

    def _get_hook_message(self, record: RecordedRequest, app_id: str, token: str, mid: str):
        message = self._hook_message(app_id, token, mid)
        if message is None:
            return 404, {"message": "Unknown Message", "code": 10008}
        return 200, message

    def _edit_hook_message(self, record: RecordedRequest, app_id: str, token: str, mid: str):
        message = self._hook_message(app_id, token, mid)
        if message is None:
            return 404, {"message": "Unknown Message", "code": 10008}
        return 200, self._apply_edit(message, record)

    def _delete_hook_message(self, record: RecordedRequest, app_id: str, token: str, mid: str):
        message = self._hook_message(app_id, token, mid)
        if message is None:
            return 404, {"message": "Unknown Message", "code": 10008}
        self.messages.pop(int(message["id"]), None)
        return 204, None

    def _apply_edit(self, message: dict[str, Any], record: RecordedRequest) -> dict[str, Any]:
        body = record.json or {}
        for key, empty in (("content", ""), ("embeds", []), ("components", [])):
            if key in body:
                message[key] = body[key] if body[key] is not None else empty
        if "flags" in body and body["flags"] is not None:
            message["flags"] = int(body["flags"])
        message["flags"] = int(message.get("flags", 0)) & ~128  # no longer "thinking"
        if record.files:
            message["attachments"] = _attachments(record)
        message["edited_timestamp"] = _iso_now()
        return message

    def _known_channel(self, channel_id: int) -> bool:
        return channel_id in self.channels or channel_id in self._dm_channels.values()

    def _get_channel(self, record: RecordedRequest, channel_id: str) -> tuple[int, Any]:
        cid = int(channel_id)
        if cid in self.channels:
            return 200, self.channels[cid]
        for user_id, dm_id in self._dm_channels.items():
            if dm_id == cid:
                return 200, self.dm_channel_payload(user_id)
        return 404, {"message": "Unknown Channel", "code": 10003}

    def _create_message(self, record: RecordedRequest, channel_id: str) -> tuple[int, Any]:
        if not self._known_channel(int(channel_id)):
            return 404, {"message": "Unknown Channel", "code": 10003}
        message = self._bot_message(int(channel_id), record.json)
        message["attachments"] = _attachments(record)
        return 200, message

    def _edit_message(self, record: RecordedRequest, channel_id: str, message_id: str):
        message = self.messages.get(int(message_id))
        if message is None or message["channel_id"] != channel_id:
            return 404, {"message": "Unknown Message", "code": 10008}
        return 200, self._apply_edit(message, record)

    def _delete_message(self, record: RecordedRequest, channel_id: str, message_id: str):
        self.messages.pop(int(message_id), None)
        return 204, None

    def _typing(self, record: RecordedRequest, channel_id: str) -> tuple[int, Any]:
        if not self._known_channel(int(channel_id)):
            return 404, {"message": "Unknown Channel", "code": 10003}
        return 204, None

    def _no_content(self, record: RecordedRequest, *groups: str) -> tuple[int, Any]:
        return 204, None

    def _create_dm(self, record: RecordedRequest) -> tuple[int, Any]:
        recipient = int((record.json or {}).get("recipient_id", 0))
        if recipient not in self.users or recipient == self.bot_id:
            return 400, {"message": "Invalid Recipient(s)", "code": 50033}
        return 200, self.dm_channel_payload(recipient)


def _not_found() -> tuple[int, Any]:
    return 404, {"message": "404: Not Found", "code": 0}


def _option(name: str, value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        kind = 5
    elif isinstance(value, int):
        kind = 4
    elif isinstance(value, float):
        kind = 10
    else:
        kind, value = 3, str(value)
    return {"name": name, "type": kind, "value": value}


def _attachments(record: RecordedRequest) -> list[dict[str, Any]]:
    return [
        {
            "id": str(snowflake()),
            "filename": f.filename or "file",
            "size": len(f.data),
            "url": f"https://cdn.invalid/attachments/{f.filename}",
            "proxy_url": f"https://media.invalid/attachments/{f.filename}",
            "content_type": f.content_type,
        }
        for f in record.files
    ]
