"""The stand-in's gateway: the websocket a client connects to, and dispatching events."""

from __future__ import annotations

import asyncio
import json
import uuid
import zlib
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.support.discord.constants import (
    INTENT_DM_MESSAGES,
    INTENT_GUILD_MESSAGES,
    INTENT_MESSAGE_CONTENT,
    OP_DISPATCH,
    OP_HEARTBEAT,
    OP_HEARTBEAT_ACK,
    OP_HELLO,
    OP_IDENTIFY,
    OP_INVALID_SESSION,
    OP_RECONNECT,
    OP_REQUEST_MEMBERS,
    OP_RESUME,
)


@dataclass
class GatewayConnection:
    """One websocket connection to the stand-in's gateway."""

    ws: web.WebSocketResponse = field(repr=False)
    query: dict[str, str]
    encoder: FrameEncoder = field(repr=False)
    session_id: str | None = None
    seq: int = 0
    closed: bool = False
    lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)


class FrameEncoder:
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


class Gateway:
    """The gateway websocket and event dispatch (a mixin of :class:`DiscordStandIn`)."""

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
                    "type": int(data.get("type", 2)),
                    "channel_id": int(data.get("channel_id") or data["channel"]["id"]),
                    "message_id": int(data["message"]["id"]) if data.get("message") else None,
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
        encoder = FrameEncoder(query.get("compress"), allowed=self.compression == "auto")
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
