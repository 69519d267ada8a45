"""The stand-in's REST API: the routes under ``/api/v10`` and what each answers."""

from __future__ import annotations

import contextlib
import json
import re
import traceback
from collections.abc import Callable
from typing import Any

from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy

from tests.support.discord.constants import API_PREFIX
from tests.support.discord.payloads import iso_now, snowflake
from tests.support.discord.recording import RecordedFile, RecordedRequest


class Rest:
    """The REST routes (a mixin of :class:`DiscordStandIn`)."""

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        record = await self._record(request)
        self.requests.append(record)
        try:
            status, payload = self._route(record, request.path)
        except Exception as exc:  # a stand-in bug: a 400 (a 5xx would make discord.py retry)
            self.errors.append(traceback.format_exc())
            status, payload = 400, {"message": f"stand-in error: {exc!r}", "code": 50035}
        events, self._pending_events = self._pending_events, []
        for event, data in events:  # as on Discord: the gateway event before the response
            await self.dispatch(event, data)
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
        path = API_PREFIX.sub("", request.path) or "/"
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
        if not API_PREFIX.match(raw_path):
            return not_found()
        for method, pattern, handler, needs_auth in self._routes():
            if method != record.method:
                continue
            match = re.fullmatch(pattern, record.path)
            if match is None:
                continue
            if needs_auth and record.authorization != f"Bot {self.token}":
                return 401, {"message": "401: Unauthorized", "code": 0}
            return handler(record, *match.groups())
        return not_found()

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
            ("POST", r"/channels/(\d+)/messages/(\d+)/threads", self._thread_from_message, True),
            ("POST", r"/channels/(\d+)/threads", self._thread_without_message, True),
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
        interaction = {"id": interaction_id, "type": state.get("type", 2)}
        resource: dict[str, Any] = {"type": kind}
        if kind in (6, 7) and state.get("message_id") is not None:  # a component's message
            state["original_id"] = state["message_id"]
            if kind == 7:
                message = self.messages[state["message_id"]]
                resource["message"] = self._apply_edit(message, record, body=data)
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
        message["attachments"] = attachments(record)
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

    def _apply_edit(
        self, message: dict[str, Any], record: RecordedRequest, body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        body = record.json or {} if body is None else body
        for key, empty in (("content", ""), ("embeds", []), ("components", [])):
            if key in body:
                message[key] = body[key] if body[key] is not None else empty
        if "flags" in body and body["flags"] is not None:
            message["flags"] = int(body["flags"])
        message["flags"] = int(message.get("flags", 0)) & ~128  # no longer "thinking"
        if record.files:
            message["attachments"] = attachments(record)
        message["edited_timestamp"] = iso_now()
        return message

    def _known_channel(self, channel_id: int) -> bool:
        return (
            channel_id in self.channels
            or channel_id in self.threads
            or channel_id in self._dm_channels.values()
        )

    def _get_channel(self, record: RecordedRequest, channel_id: str) -> tuple[int, Any]:
        cid = int(channel_id)
        if cid in self.channels or cid in self.threads:
            return 200, self.channels.get(cid) or self.threads[cid]
        for user_id, dm_id in self._dm_channels.items():
            if dm_id == cid:
                return 200, self.dm_channel_payload(user_id)
        return 404, {"message": "Unknown Channel", "code": 10003}

    def _create_message(self, record: RecordedRequest, channel_id: str) -> tuple[int, Any]:
        if not self._known_channel(int(channel_id)):
            return 404, {"message": "Unknown Channel", "code": 10003}
        message = self._bot_message(int(channel_id), record.json)
        message["attachments"] = attachments(record)
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

    def _thread_from_message(self, record: RecordedRequest, channel_id: str, message_id: str):
        """Start a public thread on a message; like Discord, send ``THREAD_CREATE`` first."""
        message = self.messages.get(int(message_id))
        if message is None or message["channel_id"] != channel_id:
            return 404, {"message": "Unknown Message", "code": 10008}
        return self._new_thread(record, int(channel_id), thread_id=int(message_id))

    def _thread_without_message(self, record: RecordedRequest, channel_id: str):
        return self._new_thread(record, int(channel_id), thread_id=snowflake())

    def _new_thread(self, record: RecordedRequest, channel_id: int, thread_id: int):
        if channel_id not in self.channels:  # not a text channel: a thread, a DM or unknown
            return 400, {"message": "Cannot execute action on this channel type", "code": 50024}
        if thread_id in self.threads:
            return 400, {"message": "A thread has already been created", "code": 160004}
        body = record.json or {}
        name = str(body.get("name") or "")
        if not 1 <= len(name) <= 100:
            return 400, {"message": "Invalid Form Body (name)", "code": 50035}
        thread = self.thread_payload(
            thread_id,
            channel_id,
            name,
            self.bot_id,
            archive_after=int(body.get("auto_archive_duration") or 4320),
        )
        self.threads[thread_id] = thread
        if thread_id in self.messages:
            self.messages[thread_id]["thread"] = thread
        self._pending_events.append(("THREAD_CREATE", {**thread, "newly_created": True}))
        return 201, thread

    def _no_content(self, record: RecordedRequest, *groups: str) -> tuple[int, Any]:
        return 204, None

    def _create_dm(self, record: RecordedRequest) -> tuple[int, Any]:
        recipient = int((record.json or {}).get("recipient_id", 0))
        if recipient not in self.users or recipient == self.bot_id:
            return 400, {"message": "Invalid Recipient(s)", "code": 50033}
        return 200, self.dm_channel_payload(recipient)


def not_found() -> tuple[int, Any]:
    return 404, {"message": "404: Not Found", "code": 0}


def attachments(record: RecordedRequest) -> list[dict[str, Any]]:
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
