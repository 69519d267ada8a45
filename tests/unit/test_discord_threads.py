"""Follow-up questions on Discord, over the wire: answers continue in a thread named after the
question, a member's next question there is asked with the thread's earlier questions, direct
messages keep their conversation, and what needs the message-content intent."""

from __future__ import annotations

import asyncio

from tests.support.bot_harness import FOLLOWUP, RecordingEngine, run_bot, slash
from tests.support.discord.constants import INTENT_MESSAGE_CONTENT

FIRST = "Which countries signed the Northbridge Compact?"
THEN = "When did they sign it?"
THREADS = r"/channels/(\d+)/messages/(\d+)/threads"


async def posted_in(server, channel_id, after, timeout=30):
    return await server.wait_for_request(
        "POST", rf"/channels/{channel_id}/messages", after=after, timeout=timeout
    )


async def say(server, text, channel_id, **options):
    mark = server.mark()
    await server.dispatch(
        "MESSAGE_CREATE", server.message_create(text, channel_id=channel_id, **options)
    )
    return mark


def test_an_answer_continues_in_a_thread_where_mentions_are_follow_ups(
    fake_index_dir, fake_embedder
):
    engine = RecordingEngine(fake_index_dir, fake_index_dir, fake_embedder)

    async def scenario(server, bot):
        mark = await slash(server, "ask", {"question": FIRST})
        answer = await server.wait_for_request("POST", FOLLOWUP, after=mark, timeout=30)
        started = await server.wait_for_request("POST", THREADS, after=mark)
        assert started.path.endswith(f"/messages/{answer.response['id']}/threads")
        assert started.json["name"] == FIRST and started.json["auto_archive_duration"] == 1440
        thread_id = int(started.response["id"])
        assert server.threads[thread_id]["owner_id"] == str(server.bot_id)
        hint = await posted_in(server, thread_id, after=mark)
        assert "by mentioning me" in hint.json["content"]

        # Without the message-content intent, a message that does not mention the bot arrives
        # without its text: nothing to answer.
        mark = await say(server, THEN, thread_id)
        await asyncio.sleep(0.5)
        assert not server.find_requests("POST", rf"/channels/{thread_id}/messages", after=mark)

        mark = await say(server, f"<@{server.bot_id}> {THEN}", thread_id)
        reply = await posted_in(server, thread_id, after=mark)
        assert reply.json["message_reference"]["message_id"]
        assert not server.find_requests("POST", THREADS, after=mark)  # no thread in a thread
        mark = await say(server, f"<@{server.bot_id}> Who leads it?", thread_id)
        await posted_in(server, thread_id, after=mark)

    run_bot(engine, scenario)
    assert engine.asked == [(FIRST, ()), (THEN, (FIRST,)), ("Who leads it?", (FIRST, THEN))]


def test_with_the_message_content_intent_any_message_in_the_bots_thread_is_a_follow_up(
    fake_index_dir, fake_embedder
):
    engine = RecordingEngine(fake_index_dir, fake_index_dir, fake_embedder)

    async def scenario(server, bot):
        assert server.identify_payload["intents"] & INTENT_MESSAGE_CONTENT
        mark = await say(server, f"<@{server.bot_id}> {FIRST}", server.channel_id)
        reply = await posted_in(server, server.channel_id, after=mark)
        started = await server.wait_for_request("POST", THREADS, after=mark)
        assert started.path.endswith(f"/messages/{reply.response['id']}/threads")
        thread_id = int(started.response["id"])
        hint = await posted_in(server, thread_id, after=mark)
        assert hint.json["content"].startswith("Ask a follow-up question here;")
        mark = await say(server, THEN, thread_id)
        await posted_in(server, thread_id, after=mark)
        # Someone else's thread: only mentions are answered there.
        other = server.add_thread("chat")
        await server.dispatch("THREAD_CREATE", {**other, "newly_created": True})
        mark = await say(server, FIRST, int(other["id"]))
        await asyncio.sleep(0.5)
        assert not server.find_requests("POST", rf"/channels/{other['id']}/messages", after=mark)

    run_bot(engine, scenario, message_content=True)
    assert engine.asked == [(FIRST, ()), (THEN, (FIRST,))]


def test_direct_messages_keep_their_conversation_and_threads_can_be_turned_off(
    fake_index_dir, fake_embedder
):
    engine = RecordingEngine(fake_index_dir, fake_index_dir, fake_embedder)

    async def scenario(server, bot):
        dm = server.dm_channel_id(server.member_id)
        for question in (FIRST, THEN):
            mark = server.mark()
            await server.dispatch("MESSAGE_CREATE", server.message_create(question, guild=False))
            await posted_in(server, dm, after=mark)
        mark = await slash(server, "ask", {"question": FIRST})
        await server.wait_for_request("POST", FOLLOWUP, after=mark, timeout=30)
        mark = await say(server, f"<@{server.bot_id}> {FIRST}", server.channel_id)
        await posted_in(server, server.channel_id, after=mark)
        await asyncio.sleep(0.3)
        assert not server.find_requests("POST", THREADS) and not server.threads

    run_bot(engine, scenario, threads=False)
    assert engine.asked == [(FIRST, ()), (THEN, (FIRST,)), (FIRST, ()), (FIRST, ())]


def test_a_follow_up_in_the_bots_thread_after_a_restart_starts_from_the_threads_name(
    fake_index_dir, fake_embedder
):
    engine = RecordingEngine(fake_index_dir, fake_index_dir, fake_embedder)

    async def scenario(server, bot):
        thread = server.add_thread(FIRST, owner_id=server.bot_id)  # made before the restart
        await server.dispatch("THREAD_CREATE", thread)
        mark = await say(server, f"<@{server.bot_id}> {THEN}", int(thread["id"]))
        await posted_in(server, int(thread["id"]), after=mark)

    run_bot(engine, scenario)
    assert engine.asked == [(THEN, (FIRST,))]


def test_mentions_share_a_cooldown_from_discord_py(fake_index_dir, fake_embedder):
    engine = RecordingEngine(fake_index_dir, fake_index_dir, fake_embedder)

    async def scenario(server, bot):
        mark = await say(server, f"<@{server.bot_id}> {FIRST}", server.channel_id)
        await posted_in(server, server.channel_id, after=mark)
        mark = await say(server, f"<@{server.bot_id}> {THEN}", server.channel_id)
        wait = await posted_in(server, server.channel_id, after=mark)
        assert wait.json["content"].startswith("Please wait")

    run_bot(engine, scenario, cooldown_s=60)
    assert [q for q, _ in engine.asked] == [FIRST]
