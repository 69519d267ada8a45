"""Answers as Discord embeds, within Discord's limits by construction.

Quotes are block quotes with their source numbers, sources are clickable links with dates, and
the footer gives the index build date. Text is markdown-escaped and mentions are neutralised; no
quote is ever cut: blocks are packed whole into embeds, and embeds into messages.
"""

from __future__ import annotations

from dataclasses import dataclass

import discord
from discord.utils import escape_markdown, escape_mentions

from bot.answer import Answer, Quote, Source
from bot.render.links import quote_link, source_link

DESCRIPTION_LIMIT = 4096
MESSAGE_EMBEDS_LIMIT = 6000  # characters of all embeds of one message
EMBEDS_PER_MESSAGE = 10
TITLE_LIMIT = 256
FOOTER_LIMIT = 2048
QUESTION_ECHO = 200
FOUND_COLOUR = 0x2B7A78
NOT_FOUND_COLOUR = 0xB08D57


def safe(text: str) -> str:
    """Markdown escaped and mentions neutralised (``@everyone`` stays text)."""
    return escape_mentions(escape_markdown(text))


def echo(question: str, limit: int = QUESTION_ECHO) -> str:
    """A user's question, safe to show and at most ``limit`` characters."""
    if len(question) > limit:
        question = question[: limit - 1].rsplit(" ", 1)[0] + "…"
    return safe(question)


def _url(url: str) -> str:
    """A URL safe inside a markdown link's parentheses."""
    return url.replace("(", "%28").replace(")", "%29")


def _source_line(source: Source, url: str | None) -> str:
    title = safe(source.title).replace("]", "\\]")
    link = f"[{title}]({_url(url)})" if url else title
    details = ", ".join(safe(p) for p in (source.source, source.published) if p)
    return f"`[{source.n}]` {link}" + (f" — {details}" if details else "")


def _marker(answer: Answer, quote: Quote) -> str:
    """A quote's ``[n]``, linked to the quoted passage in its article when it has a URL."""
    url = quote_link(answer, quote)
    return f"[\\[{quote.n}\\]]({_url(url)})" if url else f"`[{quote.n}]`"


def blocks(answer: Answer) -> list[str]:
    """The answer as whole blocks: lead, one per quote, a sources heading, one per source.
    Each quote's number and each source's title link to the quoted passage."""
    parts = [f"**{safe(answer.lead)}**"]
    for quote in answer.quotes:
        body = f"> {safe(quote.display)}"
        parts.append(f"{body} {_marker(answer, quote)}")
    parts.append("**Sources**" if answer.found else "**Closest sources**")
    parts.extend(_source_line(s, source_link(answer, s)) for s in answer.sources)
    return parts


@dataclass(frozen=True)
class Rendered:
    """Messages to send, each a list of embeds within Discord's limits."""

    messages: list[list[discord.Embed]]


def to_embeds(answer: Answer, built_at: str | None = None) -> Rendered:
    """Pack the answer's blocks into embeds (≤ 4,096 characters each) and messages (≤ 6,000).

    Blocks fit by construction: quotes are at most ``bot.qa.MAX_QUOTE_CHARS`` long, so even fully
    escaped a quote block stays under the description limit.
    """
    title = echo(answer.question, TITLE_LIMIT - 3)
    footer = f"geoqa · index built {built_at[:10]}" if built_at else "geoqa"
    colour = FOUND_COLOUR if answer.found else NOT_FOUND_COLOUR
    descriptions: list[str] = []
    current = ""
    for block in blocks(answer):
        joined = f"{current}\n\n{block}" if current else block
        if len(joined) > DESCRIPTION_LIMIT:
            descriptions.append(current)
            joined = block
        current = joined
    descriptions.append(current)
    embeds = []
    for i, description in enumerate(descriptions):
        embed = discord.Embed(description=description, colour=colour)
        if i == 0:
            embed.title = title
        if i == len(descriptions) - 1:
            embed.set_footer(text=footer[:FOOTER_LIMIT])
        embeds.append(embed)
    messages: list[list[discord.Embed]] = [[]]
    for embed in embeds:
        size = sum(len(e) for e in messages[-1])
        full = len(messages[-1]) == EMBEDS_PER_MESSAGE
        if messages[-1] and (full or size + len(embed) > MESSAGE_EMBEDS_LIMIT):
            messages.append([])
        messages[-1].append(embed)
    return Rendered(messages)


STATS_COLOUR = 0x2B7A78
STATS_DAYS = 7


def stats_embed(stats, unanswered) -> discord.Embed:
    """The question log's summary for ``/stats``: a ``bot.questionlog.LogStats`` and the most
    often refused questions (``Unanswered``)."""
    embed = discord.Embed(title="Questions asked", colour=STATS_COLOUR)
    embed.add_field(name="Questions", value=str(stats.questions))
    embed.add_field(
        name="Answered",
        value=f"{stats.answered} ({stats.answered_share:.0%})" if stats.questions else "—",
    )
    embed.add_field(name="Feedback", value=f"👍 {stats.up}  👎 {stats.down}")
    if stats.per_day:
        days = "\n".join(f"`{day}` {n}" for day, n in stats.per_day[-STATS_DAYS:])
        embed.add_field(name="Per day", value=days, inline=False)
    if stats.slowest:
        slow = "\n".join(
            f"{s.latency_ms / 1000:.2f} s — {echo(s.question, 80)}" for s in stats.slowest[:3]
        )
        embed.add_field(name="Slowest", value=slow, inline=False)
    if unanswered:
        lines = "\n".join(f"{u.count}× {echo(u.question, 80)}" for u in unanswered)
        embed.add_field(name="Most asked, not answered", value=lines[:1024], inline=False)
    return embed
