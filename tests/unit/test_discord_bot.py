"""The Discord bot's plumbing with the real discord.py client against the loopback stand-in, over
an index of the fake embedder (the answers' content is tested in the integration tests)."""

from __future__ import annotations

import asyncio

from click.testing import CliRunner

from bot.cli import cli
from bot.render.discord import DESCRIPTION_LIMIT, MESSAGE_EMBEDS_LIMIT, blocks, safe, to_embeds
from bot.settings import DiscordConfig
from index.store.index_store import IndexStore
from tests.support.bot_harness import (
    CALLBACK,
    EPHEMERAL,
    FOLLOWUP,
    ORIGINAL,
    QUESTION,
    RecordingEngine,
    long_answer,
    run_bot,
    slash,
    standin_in_a_thread,
)
from tests.support.pages import VERIDIAN, article_page


def run_discord(index_dir, embedder, env):
    """``geoqa discord -i INDEX`` with ``env`` and the given embedder, in process."""
    return CliRunner().invoke(
        cli, ["discord", "-i", str(index_dir)], env=env, obj={"embedder": embedder}
    )


def test_other_bots_and_unmentioned_messages_are_ignored(fake_index_dir, fake_embedder):
    engine = RecordingEngine(fake_index_dir, fake_index_dir, fake_embedder)

    async def scenario(server, bot):
        server.add_member(900, "otherbot", bot=True)
        mark = server.mark()
        await server.dispatch(
            "MESSAGE_CREATE",
            server.message_create(f"<@{server.bot_id}> {QUESTION}", author=900),
        )
        await server.dispatch("MESSAGE_CREATE", server.message_create(QUESTION))
        await asyncio.sleep(0.5)
        assert not server.find_requests("POST", r"/channels/\d+/messages", after=mark)

    run_bot(engine, scenario)
    assert engine.threads == []


def test_cooldown_answers_a_second_question_with_an_ephemeral_wait(fake_index_dir, fake_embedder):
    engine = RecordingEngine(fake_index_dir, fake_index_dir, fake_embedder)

    async def scenario(server, bot):
        mark = await slash(server, "ask", {"question": QUESTION})
        await server.wait_for_request("POST", FOLLOWUP, after=mark, timeout=30)
        mark = await slash(server, "ask", {"question": "And who else?"})
        wait = await server.wait_for_request("POST", CALLBACK, after=mark)
        assert wait.json["type"] == 4
        assert wait.json["data"]["flags"] & EPHEMERAL
        assert wait.json["data"]["content"].startswith("Please wait")
        other = await slash(server, "ask", {"question": QUESTION}, user=server.admin_id)
        assert (await server.wait_for_request("POST", CALLBACK, after=other)).json["type"] == 5
        await server.wait_for_request("POST", FOLLOWUP, after=other, timeout=30)

    run_bot(engine, scenario, cooldown_s=60)
    assert len(engine.threads) == 2


def test_at_everyone_in_a_question_pings_nobody(fake_index_dir, fake_embedder):
    engine = RecordingEngine(fake_index_dir, fake_index_dir, fake_embedder)

    async def scenario(server, bot):
        mark = await slash(server, "ask", {"question": f"@everyone @here {QUESTION}"})
        reply = await server.wait_for_request("POST", FOLLOWUP, after=mark, timeout=30)
        assert reply.json["allowed_mentions"] == {"parse": []}
        title = reply.json["embeds"][0]["title"]
        assert "@everyone" not in title and "@\u200beveryone" in title

    run_bot(engine, scenario)


def test_bad_question_gets_an_ephemeral_message(fake_index_dir, fake_embedder):
    engine = RecordingEngine(fake_index_dir, fake_index_dir, fake_embedder)

    async def scenario(server, bot):
        mark = await slash(server, "ask", {"question": QUESTION, "since": "last week"})
        reply = await server.wait_for_request("POST", CALLBACK, after=mark)
        assert reply.json["type"] == 4 and reply.json["data"]["flags"] & EPHEMERAL
        assert "is not a date" in reply.json["data"]["content"]

    run_bot(engine, scenario)
    assert engine.threads == []


def test_sources_and_help(fake_index_dir, fake_embedder):
    engine = RecordingEngine(fake_index_dir, fake_index_dir, fake_embedder)

    async def scenario(server, bot):
        mark = await slash(server, "sources")
        reply = await server.wait_for_request("POST", CALLBACK, after=mark)
        fields = {f["name"]: f["value"] for f in reply.json["data"]["embeds"][0]["fields"]}
        assert fields["Articles"] == "4" and fields["Newest article"] == "2025-06-20"
        assert fields["Model"] == fake_embedder.model_id and fields["Index built"]
        mark = await slash(server, "help")
        reply = await server.wait_for_request("POST", CALLBACK, after=mark)
        assert "/ask" in reply.json["data"]["content"]

    run_bot(engine, scenario)


def test_long_answers_are_split_within_discord_limits_without_cutting_a_quote(fake_index_dir):
    answer = long_answer(IndexStore.open(fake_index_dir))
    rendered = to_embeds(answer, "2026-01-01T00:00:00")
    assert len(rendered.messages) >= 2
    descriptions = []
    for embeds in rendered.messages:
        assert len(embeds) <= 10 and sum(len(e) for e in embeds) <= MESSAGE_EMBEDS_LIMIT
        for embed in embeds:
            assert len(embed.description) <= DESCRIPTION_LIMIT
            descriptions.append(embed.description)
    quote_blocks = blocks(answer)[1 : 1 + len(answer.quotes)]
    for quote, block in zip(answer.quotes, quote_blocks, strict=True):
        assert safe(quote.display) in block  # hard line breaks folded to spaces
        assert sum(block in d for d in descriptions) >= 1  # whole, in one embed


def test_a_long_answer_goes_out_as_several_messages(fake_index_dir, fake_embedder):
    store = IndexStore.open(fake_index_dir)

    class LongEngine(RecordingEngine):
        def ask(self, question, filters=None, context=()):
            return long_answer(store)

    async def scenario(server, bot):
        mark = await slash(server, "ask", {"question": "Tell me everything"})
        await server.wait_for_request("POST", FOLLOWUP, after=mark, timeout=30)
        await asyncio.sleep(0.5)
        sent = server.find_requests("POST", FOLLOWUP, after=mark)
        assert len(sent) == len(to_embeds(long_answer(store)).messages) >= 2
        for request in sent:
            assert sum(len(e.get("description", "")) for e in request.json["embeds"]) <= 6000

    run_bot(LongEngine(fake_index_dir, fake_index_dir, fake_embedder), scenario)


def test_bad_token_at_start_up_is_one_line_and_status_2(fake_index_dir, fake_embedder):
    with standin_in_a_thread() as (server, _):
        env = {
            "DISCORD_TOKEN": "not-the-token",
            "GEOQA_DISCORD_GUILD_ID": "",
            "GEOQA_DISCORD_API_URL": server.api_url,
            "GEOQA_DISCORD_GATEWAY_URL": server.gateway_url,
        }
        result = run_discord(fake_index_dir, fake_embedder, env)
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == "error: DISCORD_TOKEN was rejected by Discord"
    assert "not-the-token" not in result.output


def test_unreachable_discord_is_one_line_and_status_2(fake_index_dir, fake_embedder):
    env = {"DISCORD_TOKEN": "x", "GEOQA_DISCORD_API_URL": "http://127.0.0.1:9/api/v10"}
    result = run_discord(fake_index_dir, fake_embedder, env)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: cannot reach Discord at http://127.0.0.1:9/api/v10")
    assert result.stderr.strip().count("\n") == 0


def test_missing_token_is_one_line_and_status_2(fake_index_dir, fake_embedder):
    result = run_discord(fake_index_dir, fake_embedder, {"DISCORD_TOKEN": ""})
    assert result.exit_code == 2
    assert "DISCORD_TOKEN is not set" in result.stderr and "Traceback" not in result.output


def test_config_repr_never_shows_the_token():
    cfg = DiscordConfig.from_env({"DISCORD_TOKEN": "s3cret-token", "GEOQA_DISCORD_GUILD_ID": "42"})
    assert "s3cret" not in repr(cfg) and cfg.guild_id == 42


def test_add_refuses_private_addresses_by_default(
    corpus_copy, fake_index_copy, fake_embedder, fixture_site
):
    url = fixture_site.add("/discord/private", article_page(VERIDIAN, canonical=None))
    engine = RecordingEngine(corpus_copy, fake_index_copy, fake_embedder)

    async def scenario(server, bot):
        mark = await slash(server, "add", {"url": url}, user=server.admin_id)
        done = await server.wait_for_request("PATCH", ORIGINAL, after=mark, timeout=30)
        assert "Could not add" in done.json["content"] and "loopback" in done.json["content"]

    run_bot(engine, scenario)
    assert not any(
        p.name.startswith("undated") or "veridian" in p.name for p in corpus_copy.iterdir()
    )
