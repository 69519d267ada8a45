"""The Discord bot end to end with the real model: the real discord.py client against the
loopback stand-in, answering with cited quotes, rebuilding and adding while questions go on, and
the bot process shutting down cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys

from click.testing import CliRunner

from bot.cli import cli
from bot.questionlog import QuestionLog
from index.ingest.fetch import SafeFetcher
from tests.support.bot_harness import (
    CALLBACK,
    EPHEMERAL,
    FOLLOWUP,
    ORIGINAL,
    QUESTION,
    RecordingEngine,
    edited_to,
    embed_text,
    run_bot,
    slash,
    standin_in_a_thread,
)
from tests.support.pages import VERIDIAN, article_page
from tests.support.paths import MEMBERS, REPO


def test_ask_defers_then_follows_up_with_cited_quotes(index_dir, embedder):
    engine = RecordingEngine(index_dir, index_dir, embedder)

    async def scenario(server, bot):
        sync = server.find_requests("PUT", rf"/applications/\d+/guilds/{server.guild_id}/commands")
        assert {c["name"] for c in sync[0].json} == {
            *("ask", "sources", "help", "reindex", "add", "stats", "feeds", "sync")
        }
        mark = await slash(server, "ask", {"question": QUESTION})
        callback = await server.wait_for_request("POST", CALLBACK, after=mark)
        assert callback.json["type"] == 5  # deferred: acknowledged before any QA work
        reply = await server.wait_for_request("POST", FOLLOWUP, after=mark, timeout=30)
        assert server.requests.index(reply) > server.requests.index(callback)
        text = embed_text(reply)
        for country in MEMBERS:
            assert country in text
        assert "(https://www.ccn.com/news/technology/russia-brics" in text and "2024-12-12" in text
        assert "new-alliance/#:~:text=" in text  # source and quote links open at the passage
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


def test_not_found_is_a_polite_reply_with_the_closest_sources(index_dir, embedder):
    engine = RecordingEngine(index_dir, index_dir, embedder)

    async def scenario(server, bot):
        mark = await slash(server, "ask", {"question": "What is the capital of Australia?"})
        reply = await server.wait_for_request("POST", FOLLOWUP, after=mark, timeout=30)
        text = embed_text(reply)
        assert "No indexed article mentions Australia" in text and "Closest sources" in text
        assert ">" not in text.split("Closest sources")[0]  # no block quotes dressed as answers

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
        assert bot.get_cog("admin").busy()  # the rebuild is still running
        done = await edited_to(server, "Index rebuilt", after=mark)
        assert "29 articles" in done.json["content"]
        assert bot.engine.stats().articles == 29

    run_bot(engine, scenario)


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
    assert "synced 8 commands to guild" in err


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
        done = await edited_to(server, "Added", after=mark)
        assert "Veridian Straits Pact Caps AI Chip Transfers" in done.json["content"]
        asked = await slash(server, "ask", {"question": question})
        reply = await server.wait_for_request("POST", FOLLOWUP, after=asked, timeout=30)
        assert "12,000 units a year" in embed_text(reply)
        again = await slash(server, "add", {"url": url}, user=server.admin_id)
        dup = await server.wait_for_request("PATCH", ORIGINAL, after=again, timeout=30)
        assert dup.json["content"].startswith("Already in the corpus")

    run_bot(engine, scenario)


def test_a_follow_up_in_the_answers_thread_is_answered_in_context_and_the_log_lists_refusals(
    index_dir, embedder, tmp_path
):
    engine = RecordingEngine(index_dir, index_dir, embedder)
    questions = QuestionLog.beside(tmp_path)

    async def scenario(server, bot):
        mark = await slash(
            server, "ask", {"question": "Which countries signed the Northbridge Compact?"}
        )
        first = await server.wait_for_request("POST", FOLLOWUP, after=mark, timeout=30)
        assert "Fourteen countries" in embed_text(first)
        started = await server.wait_for_request(
            "POST", r"/channels/\d+/messages/\d+/threads", after=mark
        )
        thread = started.response["id"]
        mark = server.mark()
        follow_up = f"<@{server.bot_id}> Where will its secretariat be based?"
        await server.dispatch(
            "MESSAGE_CREATE", server.message_create(follow_up, channel_id=int(thread))
        )
        reply = await server.wait_for_request(
            "POST",
            rf"/channels/{thread}/messages",
            after=mark,
            timeout=30,
            where=lambda r: bool((r.json or {}).get("embeds")),  # not the follow-up hint
        )
        assert "Tallinn" in embed_text(reply)
        mark = await slash(server, "ask", {"question": "What is the capital of Australia?"})
        await server.wait_for_request("POST", FOLLOWUP, after=mark, timeout=30)

    run_bot(engine, scenario, questions=questions)
    listed = CliRunner().invoke(cli, ["log", "unanswered", "-i", str(tmp_path)])
    assert listed.exit_code == 0
    (line,) = listed.output.splitlines()
    assert line.startswith("   1×  What is the capital of Australia?  (")
    rows = list(questions.export())
    assert [r["context"] for r in rows] == [
        [],
        ["Which countries signed the Northbridge Compact?"],
        [],
    ]
    assert [r["found"] for r in rows] == [True, True, False]
