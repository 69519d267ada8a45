"""Followed feeds on Discord, with the real discord.py client against the loopback stand-in over
an index of the fake embedder: /feeds and /sync for admins only, one sync or rebuild at a time,
the scheduled sync, and the digest of new articles posted with mentions disabled. (Answering from
the new articles during and after a sync is tested with the real model in the integration
tests.)"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools

import pytest

from bot.render.discord import DESCRIPTION_LIMIT
from bot.render.feeds import digest_embed, digest_line
from bot.settings import DiscordConfig
from index.articles.model import Article
from index.errors import ConfigError
from index.ingest.followed import follow
from tests.support.bot_harness import (
    CALLBACK,
    EPHEMERAL,
    FOLLOWUP,
    ORIGINAL,
    RecordingEngine,
    edited_to,
    run_bot,
    slash,
)
from tests.support.pages import DREVNA, OSKARSHOLM, article_page, rss_feed
from tests.support.site import FixtureSite

NEWS_CHANNEL = 300000000000000001  # the stand-in's text channel
# A page whose title tries to ping everyone and to bold itself.
LOUD = dataclasses.replace(
    OSKARSHOLM,
    slug="loud-sovereign-model",
    title="@everyone Oskarsholm Lab Trains *Sovereign* Model",
    published="2025-05-03",
)
_serial = itertools.count()


def followed_feed(site: FixtureSite, feeds_file, articles, delay: float = 0.0) -> str:
    """Serve a feed of ``articles`` on the fixture site and follow it in ``feeds_file``."""
    for article in articles:
        site.add(article.path, article_page(article, canonical=None), delay=delay)
    path = f"/discord-feeds-{next(_serial)}/feed.rss"
    url = site.add(path, rss_feed(site, articles), content_type="application/rss+xml")
    follow(feeds_file, url, name="herald", source="Fixture Herald")
    return url


async def until(condition, timeout: float = 10.0) -> None:
    """Wait until ``condition()`` holds."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)


def engine_for(corpus, index, embedder, feeds_file):
    from index.ingest.fetch import SafeFetcher

    return RecordingEngine(
        corpus, index, embedder, fetcher=SafeFetcher(allow_private=True), feeds_file=feeds_file
    )


def test_feeds_and_sync_are_refused_to_members(
    corpus_copy, fake_index_copy, fake_embedder, tmp_path
):
    engine = engine_for(corpus_copy, fake_index_copy, fake_embedder, tmp_path / "feeds.toml")

    async def scenario(server, bot):
        sync = server.find_requests("PUT", rf"/applications/\d+/guilds/{server.guild_id}/commands")
        assert {"feeds", "sync"} <= {c["name"] for c in sync[0].json}
        for command in ("feeds", "sync"):
            mark = await slash(server, command, user=server.member_id)
            refused = await server.wait_for_request("POST", CALLBACK, after=mark)
            assert refused.json["data"]["flags"] & EPHEMERAL
            assert "Manage Server" in refused.json["data"]["content"]

    run_bot(engine, scenario)
    assert not (tmp_path / "feeds.toml").exists() and sorted(corpus_copy.iterdir())


def test_sync_now_adds_the_new_articles_and_posts_a_digest_that_pings_nobody(
    fixture_site, corpus_copy, fake_index_copy, fake_embedder, tmp_path
):
    feeds_file = tmp_path / "feeds.toml"
    followed_feed(fixture_site, feeds_file, [LOUD, DREVNA])
    engine = engine_for(corpus_copy, fake_index_copy, fake_embedder, feeds_file)
    articles_before = engine.stats().articles

    async def scenario(server, bot):
        mark = await slash(server, "sync", user=server.admin_id)
        started = await server.wait_for_request("POST", CALLBACK, after=mark)
        assert started.json["data"]["content"].startswith("Syncing the followed feeds")
        done = await edited_to(server, "Sync done", after=mark, timeout=30)
        assert done.json["content"] == "Sync done: 2 new articles from 1 feeds."
        digest = await server.wait_for_request(
            "POST", rf"/channels/{NEWS_CHANNEL}/messages", after=mark, timeout=10
        )
        assert digest.json["allowed_mentions"] == {"parse": []}
        (embed,) = digest.json["embeds"]
        assert embed["title"] == "New articles (2)"
        loud, drevna = embed["description"].split("\n")
        assert "@everyone" not in loud and "@\u200beveryone" in loud and "\\*Sovereign\\*" in loud
        assert loud.endswith(f"({fixture_site.url(LOUD.path)}) — Fixture Herald, 2025-05-03")
        assert drevna.startswith(f"• [{DREVNA.title}]({fixture_site.url(DREVNA.path)})")
        assert bot.engine.stats().articles == articles_before + 2  # the new index is live
        mark = await slash(server, "feeds", user=server.admin_id)
        listing = await server.wait_for_request("POST", FOLLOWUP, after=mark, timeout=10)
        assert listing.json["flags"] & EPHEMERAL
        text = listing.json["embeds"][0]["description"]
        assert text.startswith("**herald** ") and "2 articles added in all" in text
        assert "last new article" in text and DREVNA.title in text

    run_bot(engine, scenario, news_channel_id=NEWS_CHANNEL)


def test_the_scheduled_sync_runs_alone_and_rebuilds_wait_for_it(
    fixture_site, corpus_copy, fake_index_copy, fake_embedder, tmp_path
):
    feeds_file = tmp_path / "feeds.toml"
    slow = dataclasses.replace(DREVNA, slug="slow-drevna-portal")
    followed_feed(fixture_site, feeds_file, [slow], delay=1.5)
    engine = engine_for(corpus_copy, fake_index_copy, fake_embedder, feeds_file)

    async def scenario(server, bot):
        mark = server.mark()
        await until(lambda: bot.engine.rebuilding)  # the schedule starts a sync on its own
        for command in ("reindex", "sync"):
            busy = await slash(server, command, user=server.admin_id)
            reply = await server.wait_for_request("POST", CALLBACK, after=busy)
            assert reply.json["data"]["flags"] & EPHEMERAL
            assert "already running" in reply.json["data"]["content"], command
        digest = await server.wait_for_request(
            "POST", rf"/channels/{NEWS_CHANNEL}/messages", after=mark, timeout=30
        )
        assert slow.title in digest.json["embeds"][0]["description"]
        assert digest.json["allowed_mentions"] == {"parse": []}

    run_bot(engine, scenario, sync_minutes=60, news_channel_id=NEWS_CHANNEL)
    assert not engine.rebuilding


def test_a_broken_feeds_file_fails_the_sync_with_one_line(
    corpus_copy, fake_index_copy, fake_embedder, tmp_path
):
    feeds_file = tmp_path / "feeds.toml"
    feeds_file.write_text("[[feed]\n", encoding="utf-8")
    engine = engine_for(corpus_copy, fake_index_copy, fake_embedder, feeds_file)

    async def scenario(server, bot):
        mark = await slash(server, "sync", user=server.admin_id)
        failed = await server.wait_for_request("PATCH", ORIGINAL, after=mark, timeout=10)
        assert failed.json["content"].startswith("Sync failed: feeds file")
        assert "\n" not in failed.json["content"]

    run_bot(engine, scenario)


def article(n: int, **fields) -> Article:
    base = {
        "id": f"a{n}",
        "title": f"Fixture story {n}",
        "text": "text",
        "source": "Fixture Herald",
        "published": "2025-10-05",
        "url": f"https://news.fixture.test/story/{n}",
    }
    return Article(**{**base, **fields})


def test_a_digest_stays_within_discords_limits_and_counts_what_did_not_fit():
    embed = digest_embed([article(n, title="Long " * 40) for n in range(100)])
    assert len(embed.description) <= DESCRIPTION_LIMIT
    assert embed.description.endswith("more") and embed.title == "New articles (100)"
    shown = embed.description.count("\n•") + 1
    assert f"… and {100 - shown} more" in embed.description


def test_a_digest_line_escapes_the_title_and_keeps_the_link_whole():
    line = digest_line(article(1, title="Chips [and] _rules_ @here", url="https://a.test/x_(1)"))
    assert line == (
        "• [Chips [and\\] \\_rules\\_ @\u200bhere](https://a.test/x_(1%29) — Fixture Herald,"
        " 2025-10-05"
    )
    assert digest_line(article(2, url=None, source=None, published=None)) == "• Fixture story 2"
    huge = digest_line(article(3, url="https://a.test/" + "x" * 2000))
    assert huge == "• Fixture story 3 — Fixture Herald, 2025-10-05"  # shown without its link


def test_sync_settings_are_read_and_checked():
    base = {"DISCORD_TOKEN": "t"}
    assert DiscordConfig.from_env(base).sync_minutes == 0
    assert DiscordConfig.from_env(base).news_channel_id is None
    config = DiscordConfig.from_env(
        {**base, "GEOQA_SYNC_MINUTES": "30", "GEOQA_DISCORD_NEWS_CHANNEL": "42"}
    )
    assert (config.sync_minutes, config.news_channel_id) == (30, 42)
    with pytest.raises(ConfigError, match="GEOQA_SYNC_MINUTES must be a whole number"):
        DiscordConfig.from_env({**base, "GEOQA_SYNC_MINUTES": "hourly"})
    with pytest.raises(ConfigError, match="GEOQA_DISCORD_NEWS_CHANNEL takes one channel id"):
        DiscordConfig.from_env({**base, "GEOQA_DISCORD_NEWS_CHANNEL": "1,2"})
