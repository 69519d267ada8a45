"""The Discord bot's scheduled sync with the real model, on the loopback stand-in: it runs on its
own in the background, a question asked meanwhile is answered from the live index, the new
article answers the next question, and the digest is posted with mentions disabled."""

from __future__ import annotations

import asyncio

from index.ingest.fetch import SafeFetcher
from index.ingest.followed import follow
from tests.support.bot_harness import (
    FOLLOWUP,
    QUESTION,
    RecordingEngine,
    embed_text,
    run_bot,
    slash,
)
from tests.support.pages import VERIDIAN, article_page, rss_feed

NEWS_CHANNEL = 300000000000000001  # the stand-in's text channel
VERIDIAN_QUESTION = "How many AI accelerators may each buyer get under the Veridian Straits pact?"


def test_a_scheduled_sync_runs_while_questions_are_answered_then_its_article_answers(
    fixture_site, corpus_copy, index_copy, embedder, tmp_path
):
    page = "/scheduled/veridian"
    fixture_site.add(page, article_page(VERIDIAN, canonical=None), delay=6.0)  # a slow site
    feed = fixture_site.add(
        "/scheduled/feed.rss",
        rss_feed(fixture_site, [VERIDIAN]).replace(VERIDIAN.path, page),
        content_type="application/rss+xml",
    )
    feeds_file = tmp_path / "feeds.toml"
    follow(feeds_file, feed, name="herald", source="Fixture Herald")
    engine = RecordingEngine(
        corpus_copy,
        index_copy,
        embedder,
        fetcher=SafeFetcher(allow_private=True),
        feeds_file=feeds_file,
    )
    articles_before = engine.stats().articles

    async def scenario(server, bot):
        feeds = bot.get_cog("feeds")
        async with asyncio.timeout(10):  # the schedule starts a sync once the bot is ready
            while feeds.sync_task is None:
                await asyncio.sleep(0.02)
        mark = await slash(server, "ask", {"question": QUESTION})
        during = await server.wait_for_request("POST", FOLLOWUP, after=mark, timeout=30)
        assert "South Africa" in embed_text(during)
        assert not feeds.sync_task.done()  # answered while the sync was still running
        digest = await server.wait_for_request(
            "POST", rf"/channels/{NEWS_CHANNEL}/messages", after=mark, timeout=60
        )
        assert digest.json["allowed_mentions"] == {"parse": []}
        description = digest.json["embeds"][0]["description"]
        assert VERIDIAN.title in description and "Fixture Herald, 2025-08-14" in description
        assert bot.engine.stats().articles == articles_before + 1
        mark = await slash(server, "ask", {"question": VERIDIAN_QUESTION})
        after = await server.wait_for_request("POST", FOLLOWUP, after=mark, timeout=30)
        assert "12,000 units a year" in embed_text(after)
        assert VERIDIAN.title in embed_text(after)

    run_bot(engine, scenario, sync_minutes=60, news_channel_id=NEWS_CHANNEL)
