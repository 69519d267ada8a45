"""A local Discord stand-in: REST + gateway on 127.0.0.1, driven by the REAL discord.py client.

Split by concern: the server's state and lifecycle (:mod:`.server`), the payloads it builds
(:mod:`.payloads`), its gateway (:mod:`.gateway`), its REST routes (:mod:`.rest`), what it
records and how tests wait for it (:mod:`.recording`), and the discord.py side (:mod:`.client`).

dpytest cannot drive application (slash) commands, so geoqa's tests run discord.py against this
small fake Discord served by aiohttp on an ephemeral loopback port. It speaks enough of API v10
and gateway v10 for a bot to log in, connect, get READY + GUILD_CREATE (a guild with a text
channel, ``@everyone`` and ``Admins`` roles, an ordinary member and an admin member), sync
commands, receive injected events (``INTERACTION_CREATE``, ``MESSAGE_CREATE``, ...) and answer
them. Every REST request is recorded, so tests assert on what the bot sent. It also starts
threads on messages (``THREAD_CREATE`` is sent before the REST response, as Discord does; active
threads are in ``GUILD_CREATE``), builds button clicks (``component_interaction``: type 3 with the
clicked message and custom id, for persistent views), and says which synced commands a member
sees given their ``default_member_permissions`` (``commands_visible_to``).

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

from tests.support.discord.client import point_discord_py_at, running_client
from tests.support.discord.gateway import FrameEncoder, GatewayConnection
from tests.support.discord.payloads import snowflake
from tests.support.discord.recording import RecordedFile, RecordedRequest, StandInTimeout
from tests.support.discord.server import DiscordStandIn

__all__ = [
    "DiscordStandIn",
    "FrameEncoder",
    "GatewayConnection",
    "RecordedFile",
    "RecordedRequest",
    "StandInTimeout",
    "point_discord_py_at",
    "running_client",
    "snowflake",
]
