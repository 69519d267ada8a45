"""Buttons under answers, over the wire: 👍/👎 stored once per member and answer (and
changeable) in the question log, "Show more quotes", both still working after a restart; the
log written for Discord questions; admin commands hidden from members and refused for them."""

from __future__ import annotations

import asyncio
import dataclasses

import discord

from bot.answer import Quote, Source
from bot.questionlog import QuestionLog
from index.store.index_store import IndexStore
from tests.support.bot_harness import (
    CALLBACK,
    EPHEMERAL,
    FOLLOWUP,
    QUESTION,
    RecordingEngine,
    long_answer,
    running_geoqa,
    slash,
)
from tests.support.discord import DiscordStandIn
from tests.support.paths import SEED_ID

MANAGE_GUILD = discord.Permissions(manage_guild=True).value


def run(scenario):
    """Run one scenario on a fresh event loop, bounded so that nothing can hang."""
    return asyncio.run(asyncio.wait_for(scenario(), 90))


def buttons(message: dict) -> dict[str, str]:
    """A sent message's buttons: custom id → label or emoji."""
    return {
        b["custom_id"]: b.get("label") or b["emoji"]["name"]
        for row in message["components"]
        for b in row["components"]
    }


async def click(server, message_id: int, custom_id: str, user: int | None = None):
    """Click a button; the bot's callback response."""
    payload = server.component_interaction(message_id, custom_id, user=user)
    mark = server.mark()
    await server.dispatch("INTERACTION_CREATE", payload)
    return await server.wait_for_request(
        "POST", rf"/interactions/{payload['id']}/[^/]+/callback", after=mark, timeout=30
    )


class MoreEngine(RecordingEngine):
    """The real engine, whose answers always have further quotes (as the new engine gives)."""

    def ask(self, question, filters=None, context=()):
        answer = super().ask(question, filters, context)
        store = self.qa().store
        text = store.text(SEED_ID)
        start = text.index("Russia")
        end = text.index(".", start) + 1
        more = Quote(1, text[start:end], SEED_ID, start, end, 0.7)
        info = store.by_id[SEED_ID]
        source = Source(1, SEED_ID, info.title, info.source, info.url, info.published)
        return dataclasses.replace(answer, found=True, more=[more], sources=[source])


def test_votes_are_stored_once_per_member_can_change_and_survive_a_restart(
    fake_index_dir, fake_embedder, tmp_path
):
    engine = RecordingEngine(fake_index_dir, fake_index_dir, fake_embedder)
    log = QuestionLog.beside(tmp_path)

    async def scenario():
        async with DiscordStandIn() as server:
            async with running_geoqa(server, engine, log):
                mark = await slash(server, "ask", {"question": QUESTION})
                answer = await server.wait_for_request("POST", FOLLOWUP, after=mark, timeout=30)
                message_id = int(answer.response["id"])
                votes = {k: v for k, v in buttons(answer.response).items() if ":vote:" in k}
                assert votes == {"geoqa:vote:1:up": "👍", "geoqa:vote:1:down": "👎"}
                first = await click(server, message_id, "geoqa:vote:1:up")
                assert first.json["type"] == 4 and first.json["data"]["flags"] & EPHEMERAL
                assert first.json["data"]["content"] == "Thanks for your feedback (👍)."
                again = await click(server, message_id, "geoqa:vote:1:up")
                assert again.json["data"]["content"] == "You already voted 👍."
                changed = await click(server, message_id, "geoqa:vote:1:down")
                assert changed.json["data"]["content"] == "Changed your vote to 👎."
                other = await click(server, message_id, "geoqa:vote:1:down", user=server.admin_id)
                assert other.json["data"]["content"] == "Thanks for your feedback (👎)."
            assert (log.stats().up, log.stats().down) == (0, 2)
            async with running_geoqa(server, engine, log):  # a restart: a new bot, same log
                after = await click(server, message_id, "geoqa:vote:1:up")
                assert after.json["data"]["content"] == "Changed your vote to 👍."
            assert not server.errors

    run(scenario)
    assert (log.stats().up, log.stats().down) == (1, 1)
    (row,) = log.export()
    assert row["channel"] == "guild" and row["question"] == QUESTION


def test_show_more_quotes_sends_the_further_quotes_privately_also_after_a_restart(
    fake_index_dir, fake_embedder, tmp_path
):
    engine = MoreEngine(fake_index_dir, fake_index_dir, fake_embedder)
    log = QuestionLog.beside(tmp_path)

    async def scenario():
        async with DiscordStandIn() as server:
            async with running_geoqa(server, engine, log):
                mark = await slash(server, "ask", {"question": QUESTION})
                answer = await server.wait_for_request("POST", FOLLOWUP, after=mark, timeout=30)
                assert buttons(answer.response)["geoqa:more:1"] == "Show more quotes"
                shown = await click(server, int(answer.response["id"]), "geoqa:more:1")
            async with running_geoqa(server, engine, log):
                again = await click(server, int(answer.response["id"]), "geoqa:more:1")
        return shown, again

    shown, again = run(scenario)
    for reply in (shown, again):
        data = reply.json["data"]
        assert reply.json["type"] == 4 and data["flags"] & EPHEMERAL
        embed = data["embeds"][0]
        assert "More quotes that also scored well" in embed["description"]
        assert "Russia" in embed["description"] and "#:~:text=" in embed["description"]


def test_without_the_log_there_are_no_vote_buttons_and_more_quotes_last_until_a_restart(
    fake_index_dir, fake_embedder
):
    engine = MoreEngine(fake_index_dir, fake_index_dir, fake_embedder)

    async def scenario():
        async with DiscordStandIn() as server:
            async with running_geoqa(server, engine, None):
                mark = await slash(server, "ask", {"question": QUESTION})
                answer = await server.wait_for_request("POST", FOLLOWUP, after=mark, timeout=30)
                assert buttons(answer.response) == {"geoqa:more:m1": "Show more quotes"}
                shown = await click(server, int(answer.response["id"]), "geoqa:more:m1")
                assert "Russia" in shown.json["data"]["embeds"][0]["description"]
            async with running_geoqa(server, engine, None):
                gone = await click(server, int(answer.response["id"]), "geoqa:more:m1")
                assert gone.json["data"]["content"].startswith("That answer is no longer")

    run(scenario)


def test_an_answer_without_more_quotes_or_log_has_no_buttons(fake_index_dir, fake_embedder):
    store = IndexStore.open(fake_index_dir)

    class Long(RecordingEngine):
        def ask(self, question, filters=None, context=()):
            return long_answer(store)

    async def scenario():
        async with (
            DiscordStandIn() as server,
            running_geoqa(server, Long(fake_index_dir, fake_index_dir, fake_embedder)),
        ):
            mark = await slash(server, "ask", {"question": "Tell me everything"})
            await server.wait_for_request("POST", FOLLOWUP, after=mark, timeout=30)
            await asyncio.sleep(0.3)
            for sent in server.find_requests("POST", FOLLOWUP, after=mark):
                assert not sent.json.get("components")

    run(scenario)


def test_admin_commands_are_hidden_from_members_refused_for_them_and_stats_shown_to_admins(
    fake_index_dir, fake_embedder, tmp_path
):
    engine = RecordingEngine(fake_index_dir, fake_index_dir, fake_embedder)
    log = QuestionLog.beside(tmp_path)

    async def scenario():
        async with DiscordStandIn() as server:
            trusted = 400000000000000009
            server.add_member(trusted, "carol")
            cfg = {"admin_user_ids": frozenset({trusted})}
            async with running_geoqa(server, engine, log, **cfg):
                (synced,) = server.find_requests("PUT", r"/applications/\d+/guilds/\d+/commands")
                permissions = {c["name"]: c["default_member_permissions"] for c in synced.json}
                assert permissions == {
                    "ask": None,
                    "sources": None,
                    "help": None,
                    "reindex": MANAGE_GUILD,
                    "add": MANAGE_GUILD,
                    "stats": MANAGE_GUILD,
                    "feeds": MANAGE_GUILD,
                    "sync": MANAGE_GUILD,
                }
                assert server.commands_visible_to(server.member_id) == {"ask", "sources", "help"}
                assert "stats" in server.commands_visible_to(server.admin_id)
                for name, options in (("stats", None), ("reindex", None), ("add", {"url": "x"})):
                    mark = await slash(server, name, options, user=server.member_id)
                    refused = await server.wait_for_request("POST", CALLBACK, after=mark)
                    assert refused.json["data"]["flags"] & EPHEMERAL
                    assert "Manage Server" in refused.json["data"]["content"]
                mark = await slash(server, "ask", {"question": "What is the capital of Mars?"})
                await server.wait_for_request("POST", FOLLOWUP, after=mark, timeout=30)
                for admin in (server.admin_id, trusted):  # Manage Server, or configured
                    mark = await slash(server, "stats", user=admin)
                    reply = await server.wait_for_request("POST", FOLLOWUP, after=mark, timeout=30)
                    assert reply.json["flags"] & EPHEMERAL
                    fields = {f["name"]: f["value"] for f in reply.json["embeds"][0]["fields"]}
                    assert fields["Questions"] == "1" and fields["Feedback"] == "👍 0  👎 0"

    run(scenario)
