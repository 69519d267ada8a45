"""What the stand-in records (every REST request) and how a test waits for it."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from multidict import CIMultiDictProxy

if TYPE_CHECKING:
    from tests.support.discord.gateway import GatewayConnection


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


class StandInTimeout(AssertionError):
    """A ``wait_for_*`` helper ran out of time (an ``AssertionError``, so it fails a test)."""


class Recorder:
    """Inspecting and waiting for what the client sent (a mixin of :class:`DiscordStandIn`)."""

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
