"""The Discord bot end to end: the real discord.py client against the loopback stand-in."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import signal
import subprocess
import sys
import threading

from click.testing import CliRunner

from bot.cli import cli
from bot.discord_app import Cooldown, GeoqaBot
from bot.discord_render import (
    DESCRIPTION_LIMIT,
    MESSAGE_EMBEDS_LIMIT,
    blocks,
    safe,
    to_embeds,
)
from bot.engine import Engine
from bot.qa import Answer, Quote, Source
from bot.settings import DiscordConfig
from index.fetch import SafeFetcher
from tests.conftest import MEMBERS, REPO, SEED_ID, VerifyingQA
from tests.discord_standin import DiscordStandIn, running_client
from tests.test_ingest import VERIDIAN, article_page

CALLBACK = r"/interactions/\d+/[^/]+/callback"
FOLLOWUP = r"/webhooks/\d+/[^/]+"
ORIGINAL = r"/webhooks/\d+/[^/]+/messages/@original"
EPHEMERAL = 64
QUESTION = "Who is in the AI Alliance Network?"


class RecordingEngine(Engine):
    """The real engine, noting which thread each question ran on."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, qa_factory=VerifyingQA.open, **kwargs)
        self.threads: list[str] = []

    def ask(self, question, filters=None):
        self.threads.append(threading.current_thread().name)
        return super().ask(question, filters)


def config(server: DiscordStandIn, **changes) -> DiscordConfig:
    base = DiscordConfig(
        token=server.token,
        guild_id=server.guild_id,
        cooldown_s=0,
        concurrency=2,
        admin_role_ids=frozenset(),
        admin_user_ids=frozenset(),
    )
    return dataclasses.replace(base, **changes)


def run_bot(engine: Engine, scenario, **config_changes) -> None:
    """Start the real bot against a fresh stand-in, run ``scenario(server, bot)``, shut down."""

    async def main():
        async with DiscordStandIn() as server:
            bot = GeoqaBot(engine, config(server, **config_changes), guild_ready_timeout=0.05)
            async with running_client(bot, server.token):
                await scenario(server, bot)

    asyncio.run(asyncio.wait_for(main(), 90))


def embed_text(request) -> str:
    return "\n".join(
        f"{e.get('title', '')}\n{e.get('description', '')}" for e in request.json["embeds"]
    )


async def slash(server, name, options=None, user=None, guild=True):
    mark = server.mark()
    await server.dispatch(
        "INTERACTION_CREATE",
        server.slash_command_interaction(name, options, user=user, guild=guild),
    )
    return mark


def test_ask_defers_then_follows_up_with_cited_quotes(index_dir, embedder):
    engine = RecordingEngine(index_dir, index_dir, embedder)

    async def scenario(server, bot):
        sync = server.find_requests("PUT", rf"/applications/\d+/guilds/{server.guild_id}/commands")
        assert {c["name"] for c in sync[0].json} == {"ask", "sources", "help", "reindex", "add"}
        mark = await slash(server, "ask", {"question": QUESTION})
        callback = await server.wait_for_request("POST", CALLBACK, after=mark)
        assert callback.json["type"] == 5  # deferred: acknowledged before any QA work
        reply = await server.wait_for_request("POST", FOLLOWUP, after=mark, timeout=30)
        assert server.requests.index(reply) > server.requests.index(callback)
        text = embed_text(reply)
        for country in MEMBERS:
            assert country in text
        assert "(https://www.ccn.com/news/technology/russia-brics" in text and "2024-12-12" in text
        assert reply.json["embeds"][-1]["footer"]["text"].startswith("geoqa · index built")
        assert reply.json["allowed_mentions"] == {"parse": []}

    run_bot(engine, scenario)
    assert engine.threads and all(name != "MainThread" for name in engine.threads)


def test_mentions_in_a_channel_and_direct_messages_are_answered(index_dir, embedder):
    engine = RecordingEngine(index_dir, index_dir, embedder)

    async def scenario(server, bot):
        mark = server.mark()
        await server.dispatch(
            "MESSAGE_CREATE",
            server.message_create(f"<@{server.bot_id}> {QUESTION}"),
        )
        reply = await server.wait_for_request(
            "POST", rf"/channels/{server.channel_id}/messages", after=mark, timeout=30
        )
        assert "South Africa" in embed_text(reply)
        assert reply.json["allowed_mentions"]["parse"] == []
        assert reply.json["allowed_mentions"].get("replied_user") is False
        dm = server.dm_channel_id(server.member_id)
        mark = server.mark()
        await server.dispatch(
            "MESSAGE_CREATE",
            server.message_create("How much could AI add to Russia's GDP by 2030?", guild=False),
        )
        reply = await server.wait_for_request(
            "POST", rf"/channels/{dm}/messages", after=mark, timeout=30
        )
        assert "11.2 trillion rubles" in embed_text(reply)

    run_bot(engine, scenario)


def test_other_bots_and_unmentioned_messages_are_ignored(index_dir, embedder):
    engine = RecordingEngine(index_dir, index_dir, embedder)

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


def test_not_found_is_a_polite_reply_with_the_closest_sources(index_dir, embedder):
    engine = RecordingEngine(index_dir, index_dir, embedder)

    async def scenario(server, bot):
        mark = await slash(server, "ask", {"question": "What is the capital of Australia?"})
        reply = await server.wait_for_request("POST", FOLLOWUP, after=mark, timeout=30)
        text = embed_text(reply)
        assert "don't cover this question" in text and "Closest sources" in text
        assert ">" not in text.split("Closest sources")[0]  # no block quotes dressed as answers

    run_bot(engine, scenario)


def test_cooldown_answers_a_second_question_with_an_ephemeral_wait(index_dir, embedder):
    engine = RecordingEngine(index_dir, index_dir, embedder)

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


def test_cooldown_clock():
    now = [100.0]
    cooldown = Cooldown(5, clock=lambda: now[0])
    assert cooldown.wait(1) == 0 and cooldown.wait(2) == 0
    now[0] += 2
    assert cooldown.wait(1) == 3.0
    now[0] += 3
    assert cooldown.wait(1) == 0


def test_at_everyone_in_a_question_pings_nobody(index_dir, embedder):
    engine = RecordingEngine(index_dir, index_dir, embedder)

    async def scenario(server, bot):
        mark = await slash(server, "ask", {"question": f"@everyone @here {QUESTION}"})
        reply = await server.wait_for_request("POST", FOLLOWUP, after=mark, timeout=30)
        assert reply.json["allowed_mentions"] == {"parse": []}
        title = reply.json["embeds"][0]["title"]
        assert "@everyone" not in title and "@\u200beveryone" in title

    run_bot(engine, scenario)


def test_bad_question_gets_an_ephemeral_message(index_dir, embedder):
    engine = RecordingEngine(index_dir, index_dir, embedder)

    async def scenario(server, bot):
        mark = await slash(server, "ask", {"question": QUESTION, "since": "last week"})
        reply = await server.wait_for_request("POST", CALLBACK, after=mark)
        assert reply.json["type"] == 4 and reply.json["data"]["flags"] & EPHEMERAL
        assert "is not a date" in reply.json["data"]["content"]

    run_bot(engine, scenario)
    assert engine.threads == []


def test_sources_and_help(index_dir, embedder):
    engine = RecordingEngine(index_dir, index_dir, embedder)

    async def scenario(server, bot):
        mark = await slash(server, "sources")
        reply = await server.wait_for_request("POST", CALLBACK, after=mark)
        fields = {f["name"]: f["value"] for f in reply.json["data"]["embeds"][0]["fields"]}
        assert fields["Articles"] == "4" and fields["Newest article"] == "2025-06-20"
        assert "all-MiniLM-L6-v2" in fields["Model"] and fields["Index built"]
        mark = await slash(server, "help")
        reply = await server.wait_for_request("POST", CALLBACK, after=mark)
        assert "/ask" in reply.json["data"]["content"]

    run_bot(engine, scenario)


def test_reindex_is_refused_for_members_and_runs_for_admins_while_questions_go_on(
    corpus_copy, index_copy, embedder
):
    for i in range(25):  # new articles, so the rebuild has real embedding work to do
        (corpus_copy / f"late-{i:02}.md").write_text(
            f"---\ntitle: Late report {i}\nsource: Fixture Wire\npublished: 2025-08-0{i % 9 + 1}\n"
            "---\n\n" + " ".join(f"Point {j} of late report {i} on chip rules." for j in range(50))
        )
    engine = RecordingEngine(corpus_copy, index_copy, embedder)

    async def scenario(server, bot):
        mark = await slash(server, "reindex", user=server.member_id)
        refused = await server.wait_for_request("POST", CALLBACK, after=mark)
        assert (
            refused.json["data"]["flags"] & EPHEMERAL
            and "Manage Server" in refused.json["data"]["content"]
        )
        mark = await slash(server, "reindex", user=server.admin_id)
        started = await server.wait_for_request("POST", CALLBACK, after=mark)
        assert started.json["data"]["content"].startswith("Rebuilding the index")
        again = await slash(server, "reindex", user=server.admin_id)
        busy = await server.wait_for_request("POST", CALLBACK, after=again)
        assert "already running" in busy.json["data"]["content"]
        asked = await slash(server, "ask", {"question": QUESTION})
        answer = await server.wait_for_request("POST", FOLLOWUP, after=asked, timeout=30)
        assert "South Africa" in embed_text(answer)
        assert bot.rebuild_task is not None and not bot.rebuild_task.done()
        done = await server.wait_for_request(
            "PATCH",
            ORIGINAL,
            after=mark,
            timeout=60,
            where=lambda r: "Index rebuilt" in (r.json or {}).get("content", ""),
        )
        assert "29 articles" in done.json["content"]
        assert bot.engine.stats().articles == 29

    run_bot(engine, scenario)


def long_answer(store) -> Answer:
    """A real answer of many whole paragraphs of the seed article (verbatim spans)."""
    text = store.text(SEED_ID)
    quotes, start = [], 0
    for paragraph in text.split("\n\n"):
        start = text.index(paragraph, start)
        if not paragraph.startswith("#"):
            quotes.append(Quote(1, paragraph, SEED_ID, start, start + len(paragraph), 1.0))
        start += len(paragraph)
    info = store.by_id[SEED_ID]
    source = Source(1, SEED_ID, info.title, info.source, info.url, info.published)
    return Answer("Tell me everything", True, quotes[0].text[:80], quotes * 3, [source])


def test_long_answers_are_split_within_discord_limits_without_cutting_a_quote(qa):
    answer = long_answer(qa.store)
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
        assert safe(quote.text).split("\n")[0] in block
        assert sum(block in d for d in descriptions) >= 1  # whole, in one embed


def test_a_long_answer_goes_out_as_several_messages(qa, index_dir, embedder):
    class LongEngine(RecordingEngine):
        def ask(self, question, filters=None):
            return long_answer(qa.store)

    async def scenario(server, bot):
        mark = await slash(server, "ask", {"question": "Tell me everything"})
        await server.wait_for_request("POST", FOLLOWUP, after=mark, timeout=30)
        await asyncio.sleep(0.5)
        sent = server.find_requests("POST", FOLLOWUP, after=mark)
        assert len(sent) == len(to_embeds(long_answer(qa.store)).messages) >= 2
        for request in sent:
            assert sum(len(e.get("description", "")) for e in request.json["embeds"]) <= 6000

    run_bot(LongEngine(index_dir, index_dir, embedder), scenario)


@contextlib.contextmanager
def standin_in_a_thread():
    """A stand-in served from its own thread and loop, for a bot running elsewhere."""
    ready = threading.Event()
    box: dict = {}

    def serve():
        async def main():
            async with DiscordStandIn() as server:
                box.update(server=server, loop=asyncio.get_running_loop())
                box["done"] = box["loop"].create_future()
                ready.set()
                await box["done"]

        asyncio.run(main())

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert ready.wait(10)
    try:
        yield box["server"], box["loop"]
    finally:
        box["loop"].call_soon_threadsafe(box["done"].set_result, None)
        thread.join(10)


def test_bad_token_at_start_up_is_one_line_and_status_2(index_dir):
    with standin_in_a_thread() as (server, _):
        env = {
            "DISCORD_TOKEN": "not-the-token",
            "GEOQA_DISCORD_GUILD_ID": "",
            "GEOQA_DISCORD_API_URL": server.api_url,
            "GEOQA_DISCORD_GATEWAY_URL": server.gateway_url,
        }
        result = CliRunner().invoke(cli, ["discord", "--index", str(index_dir)], env=env)
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == "error: DISCORD_TOKEN was rejected by Discord"
    assert "not-the-token" not in result.output


def test_the_bot_process_answers_and_shuts_down_cleanly_on_sigterm(index_dir):
    with standin_in_a_thread() as (server, loop):
        env = {
            **os.environ,
            "HF_HUB_OFFLINE": "1",
            "DISCORD_TOKEN": server.token,
            "GEOQA_DISCORD_GUILD_ID": str(server.guild_id),
            "GEOQA_DISCORD_API_URL": server.api_url,
            "GEOQA_DISCORD_GATEWAY_URL": server.gateway_url,
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "-v", "discord", "--index", str(index_dir)],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:

            def later(coro, timeout=60):
                return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout)

            sync = rf"/applications/\d+/guilds/{server.guild_id}/commands"
            later(server.wait_for_request("PUT", sync, timeout=60))
            payload = server.slash_command_interaction("ask", {"question": QUESTION})
            later(server.dispatch("INTERACTION_CREATE", payload))
            token = payload["token"]
            reply = later(server.wait_for_request("POST", rf"/webhooks/\d+/{token}", timeout=60))
            assert "South Africa" in embed_text(reply)
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert server.token not in out + err
    assert "synced 5 commands to guild" in err


def test_unreachable_discord_is_one_line_and_status_2(index_dir):
    env = {"DISCORD_TOKEN": "x", "GEOQA_DISCORD_API_URL": "http://127.0.0.1:9/api/v10"}
    result = CliRunner().invoke(cli, ["discord", "--index", str(index_dir)], env=env)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: cannot reach Discord at http://127.0.0.1:9/api/v10")
    assert result.stderr.strip().count("\n") == 0


def test_missing_token_is_one_line_and_status_2(index_dir):
    result = CliRunner().invoke(
        cli, ["discord", "--index", str(index_dir)], env={"DISCORD_TOKEN": ""}
    )
    assert result.exit_code == 2
    assert "DISCORD_TOKEN is not set" in result.stderr and "Traceback" not in result.output


def test_config_repr_never_shows_the_token():
    cfg = DiscordConfig.from_env({"DISCORD_TOKEN": "s3cret-token", "GEOQA_DISCORD_GUILD_ID": "42"})
    assert "s3cret" not in repr(cfg) and cfg.guild_id == 42


def test_add_fetches_an_article_for_admins_and_the_next_question_cites_it(
    corpus_copy, index_copy, embedder, fixture_site
):
    url = fixture_site.add("/discord/veridian", article_page(VERIDIAN, canonical=None))
    engine = RecordingEngine(
        corpus_copy, index_copy, embedder, fetcher=SafeFetcher(allow_private=True)
    )
    question = "How many AI accelerators may each buyer get under the Veridian Straits pact?"

    async def scenario(server, bot):
        mark = await slash(server, "add", {"url": url}, user=server.member_id)
        refused = await server.wait_for_request("POST", CALLBACK, after=mark)
        assert refused.json["data"]["flags"] & EPHEMERAL
        mark = await slash(server, "add", {"url": url}, user=server.admin_id)
        done = await server.wait_for_request(
            "PATCH",
            ORIGINAL,
            after=mark,
            timeout=60,
            where=lambda r: "Added" in (r.json or {}).get("content", ""),
        )
        assert "Veridian Straits Pact Caps AI Chip Transfers" in done.json["content"]
        asked = await slash(server, "ask", {"question": question})
        reply = await server.wait_for_request("POST", FOLLOWUP, after=asked, timeout=30)
        assert "12,000 units a year" in embed_text(reply)
        again = await slash(server, "add", {"url": url}, user=server.admin_id)
        dup = await server.wait_for_request("PATCH", ORIGINAL, after=again, timeout=30)
        assert dup.json["content"].startswith("Already in the corpus")

    run_bot(engine, scenario)


def test_add_refuses_private_addresses_by_default(corpus_copy, index_copy, embedder, fixture_site):
    url = fixture_site.add("/discord/private", article_page(VERIDIAN, canonical=None))
    engine = RecordingEngine(corpus_copy, index_copy, embedder)

    async def scenario(server, bot):
        mark = await slash(server, "add", {"url": url}, user=server.admin_id)
        done = await server.wait_for_request("PATCH", ORIGINAL, after=mark, timeout=30)
        assert "Could not add" in done.json["content"] and "loopback" in done.json["content"]

    run_bot(engine, scenario)
    assert not any(
        p.name.startswith("undated") or "veridian" in p.name for p in corpus_copy.iterdir()
    )
