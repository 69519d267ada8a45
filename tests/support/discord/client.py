"""The discord.py side: pointing discord.py at the stand-in, and running a client on it."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Callable

import discord
import discord.gateway
import discord.http
import yarl

from tests.support.discord.recording import StandInTimeout


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
