"""The Discord stand-in works with the REAL discord.py client (slash commands, messages, login)."""

from __future__ import annotations

import asyncio
import io
import zlib

import aiohttp
import discord
import discord.gateway
import discord.http
import pytest
from discord import app_commands

from tests.support.discord import (
    DiscordStandIn,
    FrameEncoder,
    point_discord_py_at,
    running_client,
)

TEST_TIMEOUT = 20
CALLBACK = r"/interactions/\d+/[^/]+/callback"
FOLLOWUP = r"/webhooks/\d+/[^/]+"


def run(scenario) -> None:
    """Run one async scenario, bounded so that nothing can hang."""
    asyncio.run(asyncio.wait_for(scenario(), TEST_TIMEOUT))


def run_with_client(body, *, message_content: bool = True, **standin) -> None:
    """Run ``body(server, client, seen)`` with a ready client of :func:`make_client` connected
    to a fresh stand-in (``standin`` are its options)."""

    async def scenario():
        async with DiscordStandIn(**standin) as discord_server:
            client, seen = make_client(message_content=message_content)
            async with running_client(client, discord_server.token):
                await body(discord_server, client, seen)

    run(scenario)


def make_client(*, message_content: bool = True) -> tuple[discord.Client, list]:
    """A client with /ping, /whoami and /report, and an on_message that answers mentions/DMs."""
    intents = discord.Intents.default()
    intents.message_content = message_content
    client = discord.Client(intents=intents, guild_ready_timeout=0.05)
    tree = app_commands.CommandTree(client)
    client.tree = tree
    seen: list = []

    @tree.command(name="ping", description="Answers pong")
    async def ping(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.followup.send("pong", allowed_mentions=discord.AllowedMentions.none())

    @tree.command(name="whoami", description="Reports the caller's permissions")
    async def whoami(interaction: discord.Interaction) -> None:
        seen.append(interaction.user)
        await interaction.response.send_message("noted", ephemeral=True)

    @tree.command(name="report", description="Sends a file")
    @app_commands.describe(topic="what to report on")
    async def report(interaction: discord.Interaction, topic: str) -> None:
        await interaction.response.defer()
        file = discord.File(io.BytesIO(b"quote 1\n"), filename="report.txt")
        await interaction.followup.send(f"report on {topic}", file=file)
        await interaction.edit_original_response(content="done")

    @client.event
    async def on_message(message: discord.Message) -> None:
        if message.author == client.user:
            return
        seen.append(message)
        if isinstance(message.channel, discord.DMChannel) or client.user.mentioned_in(message):
            await message.channel.send("hello back", reference=message)

    return client, seen


def test_slash_command_defers_then_follows_up():
    async def scenario():
        async with DiscordStandIn() as discord_server:
            client, _ = make_client()
            async with running_client(client, discord_server.token):
                assert client.user.id == discord_server.bot_id
                assert client.application_id == discord_server.application_id
                guild = client.get_guild(discord_server.guild_id)
                assert guild is not None and guild.me is not None
                assert isinstance(guild.get_channel(discord_server.channel_id), discord.TextChannel)
                assert {r.name for r in guild.roles} == {"@everyone", "Admins"}

                mark = discord_server.mark()
                event = discord_server.slash_command_interaction("ping")
                await discord_server.dispatch("INTERACTION_CREATE", event)
                callback = await discord_server.wait_for_request("POST", CALLBACK, after=mark)
                followup = await discord_server.wait_for_request("POST", FOLLOWUP, after=mark)

                assert callback.path == f"/interactions/{event['id']}/{event['token']}/callback"
                assert callback.json["type"] == 5  # deferred channel message ("thinking")
                assert callback.status == 200
                assert (
                    followup.path == f"/webhooks/{discord_server.application_id}/{event['token']}"
                )
                assert followup.json["content"] == "pong"
                assert followup.json["allowed_mentions"] == {"parse": []}
                assert followup.query.get("wait") in ("1", "true")
                assert followup.status == 200
                # discord.py asks for a compressed stream; the stand-in honours it.
                query = discord_server.connections[0].query
                assert (query["v"], query["encoding"]) == ("10", "json")
                assert discord_server.connections[0].encoder.kind == query["compress"]
            assert client.is_closed()
            assert not discord_server.errors
            assert discord_server.identify_payload["token"] == discord_server.token

    run(scenario)


def test_plain_text_frames_and_multipart_followups():
    async def body(discord_server, client, _):
        mark = discord_server.mark()
        event = discord_server.slash_command_interaction("report", {"topic": "chips"})
        await discord_server.dispatch("INTERACTION_CREATE", event)
        followup = await discord_server.wait_for_request("POST", FOLLOWUP, after=mark)
        edit = await discord_server.wait_for_request(
            "PATCH", FOLLOWUP + "/messages/@original", after=mark
        )
        assert followup.headers["Content-Type"].startswith("multipart/form-data")
        assert followup.json["content"] == "report on chips"
        assert [(f.filename, f.data) for f in followup.files] == [("report.txt", b"quote 1\n")]
        assert edit.json["content"] == "done" and edit.status == 200
        # Answering the same interaction twice gets Discord's "already acknowledged".
        url = f"{discord_server.api_url}/interactions/{event['id']}/{event['token']}/callback"
        async with (
            aiohttp.ClientSession() as session,
            session.post(url, json={"type": 5}) as response,
        ):
            assert response.status == 400
            assert (await response.json())["code"] == 40060

    run_with_client(body, compression="none")


def test_tree_sync_to_guild_hits_the_guild_commands_route():
    async def body(discord_server, client, _):
        guild = discord.Object(discord_server.guild_id)
        client.tree.copy_global_to(guild=guild)
        synced = await client.tree.sync(guild=guild)
        request = discord_server.find_requests(
            "PUT", rf"/applications/{discord_server.application_id}/guilds/\d+/commands"
        )[-1]
        assert request.path.endswith(f"/guilds/{discord_server.guild_id}/commands")
        assert request.authorization == f"Bot {discord_server.token}"
        assert sorted(c["name"] for c in request.json) == ["ping", "report", "whoami"]
        assert sorted(c.name for c in synced) == ["ping", "report", "whoami"]
        assert all(c.id for c in synced)

        # A guild-synced command's interaction carries data.guild_id and the synced id.
        event = discord_server.slash_command_interaction("ping")
        ping = next(c for c in synced if c.name == "ping")
        assert event["data"]["guild_id"] == str(discord_server.guild_id)
        assert event["data"]["id"] == str(ping.id)
        client.tree.clear_commands(guild=None)  # only the guild copy can answer now
        mark = discord_server.mark()
        await discord_server.dispatch("INTERACTION_CREATE", event)
        followup = await discord_server.wait_for_request("POST", FOLLOWUP, after=mark)
        assert followup.json["content"] == "pong"

        fetched = await client.tree.fetch_commands(guild=guild)
        assert sorted(c.name for c in fetched) == ["ping", "report", "whoami"]

    run_with_client(body)


def test_guild_mention_and_dm_reach_on_message_and_replies_are_recorded():
    async def body(discord_server, client, seen):
        mark = discord_server.mark()
        content = f"<@{discord_server.bot_id}> who is building AI chips?"
        await discord_server.dispatch("MESSAGE_CREATE", discord_server.message_create(content))
        reply = await discord_server.wait_for_request(
            "POST", rf"/channels/{discord_server.channel_id}/messages", after=mark
        )
        message = seen[-1]
        assert isinstance(message.channel, discord.TextChannel)
        assert message.content == content
        assert isinstance(message.author, discord.Member)
        assert client.user in message.mentions
        assert reply.json["content"] == "hello back"
        assert int(reply.json["message_reference"]["message_id"]) == message.id
        assert reply.response["message_reference"]["message_id"] == str(message.id)

        mark = discord_server.mark()
        dm_event = discord_server.message_create("hi in private", guild=False)
        await discord_server.dispatch("MESSAGE_CREATE", dm_event)
        dm_channel = discord_server.dm_channel_id(discord_server.member_id)
        dm_reply = await discord_server.wait_for_request(
            "POST", rf"/channels/{dm_channel}/messages", after=mark
        )
        message = seen[-1]
        assert isinstance(message.channel, discord.DMChannel)
        assert message.guild is None and message.content == "hi in private"
        assert dm_reply.json["content"] == "hello back"

        # user.send() opens the DM channel first; unknown routes get a recorded 404.
        user = await client.fetch_user(discord_server.admin_id)
        await user.send("direct")
        opened = discord_server.find_requests("POST", "/users/@me/channels")[-1]
        assert opened.json == {"recipient_id": discord_server.admin_id}
        with pytest.raises(discord.NotFound):
            await client.fetch_guild(discord_server.guild_id)
        assert discord_server.find_requests("GET", rf"/guilds/{discord_server.guild_id}")

    run_with_client(body)


def test_without_message_content_intent_unmentioned_guild_messages_are_blank():
    async def body(discord_server, client, seen):
        await discord_server.dispatch(
            "MESSAGE_CREATE", discord_server.message_create("no mention here")
        )
        mark = discord_server.mark()
        content = f"<@{discord_server.bot_id}> hello"
        await discord_server.dispatch("MESSAGE_CREATE", discord_server.message_create(content))
        await discord_server.wait_for_request("POST", r"/channels/\d+/messages", after=mark)
        assert [m.content for m in seen] == ["", content]

    run_with_client(body, message_content=False)


def test_bad_token_raises_login_failure():
    async def scenario():
        async with DiscordStandIn() as discord_server:
            client, _ = make_client()
            try:
                with pytest.raises(discord.LoginFailure):
                    await client.start("not-the-token")
            finally:
                await client.close()
            request = discord_server.find_requests("GET", "/users/@me")[-1]
            assert request.status == 401
            assert request.response == {"message": "401: Unauthorized", "code": 0}

    run(scenario)


def test_interaction_user_is_a_member_with_guild_permissions():
    async def body(discord_server, client, seen):
        for user in (discord_server.admin_id, discord_server.member_id):
            mark = discord_server.mark()
            event = discord_server.slash_command_interaction("whoami", user=user)
            await discord_server.dispatch("INTERACTION_CREATE", event)
            callback = await discord_server.wait_for_request("POST", CALLBACK, after=mark)
            assert callback.json["type"] == 4
            assert callback.json["data"]["flags"] == 64  # ephemeral
        admin, member = seen
        assert isinstance(admin, discord.Member) and isinstance(member, discord.Member)
        assert admin.id == discord_server.admin_id
        assert admin.guild_permissions.manage_guild is True
        assert admin.guild_permissions.administrator is False
        assert "Admins" in {r.name for r in admin.roles}
        assert member.guild_permissions.manage_guild is False
        assert member.guild_permissions.send_messages is True

        # A DM interaction has a plain User and no guild.
        mark = discord_server.mark()
        event = discord_server.slash_command_interaction("whoami", guild=False)
        await discord_server.dispatch("INTERACTION_CREATE", event)
        await discord_server.wait_for_request("POST", CALLBACK, after=mark)
        assert type(seen[-1]) is discord.User

    run_with_client(body)


def test_reconnect_resumes_the_session():
    async def body(discord_server, client, _):
        await discord_server.send_reconnect()
        await discord_server.wait_for_gateway_op(6)  # RESUME
        await discord_server.wait_until_identified()
        assert len(discord_server.connections) == 2
        mark = discord_server.mark()
        event = discord_server.slash_command_interaction("ping")
        await discord_server.dispatch("INTERACTION_CREATE", event)
        followup = await discord_server.wait_for_request("POST", FOLLOWUP, after=mark)
        assert followup.json["content"] == "pong"

    run_with_client(body)


def test_point_discord_py_at_patches_and_restores():
    base, gateway = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    restore = point_discord_py_at("http://127.0.0.1:9")
    try:
        assert discord.http.Route("GET", "/users/@me").url == "http://127.0.0.1:9/api/v10/users/@me"
        assert str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY) == "ws://127.0.0.1:9/gateway"
        restore()
        restore = point_discord_py_at("https://example.test/discord/api/v10")
        assert discord.http.Route.BASE == "https://example.test/discord/api/v10"
        gateway_url = str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
        assert gateway_url == "wss://example.test/discord/gateway"
    finally:
        restore()
    assert base == discord.http.Route.BASE
    assert gateway == discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY


def test_zlib_stream_frames_decode_like_discord_py():
    encoder = FrameEncoder("zlib-stream", allowed=True)
    decompressor = zlib.decompressobj()
    for text in ('{"op": 10}', '{"op": 11}'):
        frame = encoder.encode(text)
        assert isinstance(frame, bytes) and frame.endswith(b"\x00\x00\xff\xff")
        assert decompressor.decompress(frame).decode() == text


def test_threads_are_started_on_messages_and_announced_before_the_response():
    async def body(discord_server, client, seen):
        channel = client.get_channel(discord_server.channel_id)
        message = await channel.send("topic")
        thread = await channel.create_thread(name="a topic", message=message)
        assert thread.id == message.id and thread.owner_id == discord_server.bot_id
        assert client.get_channel(thread.id) is not None  # THREAD_CREATE came first
        await thread.send("in the thread")
        posted = discord_server.find_requests("POST", rf"/channels/{thread.id}/messages")
        assert posted[0].json["content"] == "in the thread"
        again = discord_server.mark()
        with pytest.raises(discord.HTTPException):
            await channel.create_thread(name="again", message=message)
        assert discord_server.find_requests("POST", r".*/threads", after=again)[0].status == 400

    run_with_client(body)


def test_button_clicks_reach_a_persistent_view_as_component_interactions():
    class Counter(discord.ui.View):
        def __init__(self):
            super().__init__(timeout=None)
            self.clicks = []

        @discord.ui.button(label="Count", custom_id="standin:count")
        async def count(self, interaction: discord.Interaction, button: discord.ui.Button):
            self.clicks.append(interaction.user.id)
            await interaction.response.send_message("counted", ephemeral=True)

    async def body(discord_server, client, seen):
        view = Counter()
        client.add_view(view)
        channel = client.get_channel(discord_server.channel_id)
        message = await channel.send("press", view=view)
        stored = discord_server.messages[message.id]
        assert stored["components"][0]["components"][0]["custom_id"] == "standin:count"
        payload = discord_server.component_interaction(message.id, "standin:count")
        assert payload["type"] == 3 and payload["message"]["id"] == str(message.id)
        mark = discord_server.mark()
        await discord_server.dispatch("INTERACTION_CREATE", payload)
        reply = await discord_server.wait_for_request("POST", CALLBACK, after=mark)
        assert (
            reply.json["data"]["content"] == "counted"
            and reply.response["interaction"]["type"] == 3
        )
        assert view.clicks == [discord_server.member_id]

    run_with_client(body)
