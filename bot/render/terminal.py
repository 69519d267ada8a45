"""Answers for people in a terminal: plain text and rich (colour, links). Formatting only.

In rich output each quote's number and each source link open the article at the quoted passage
(a URL text fragment, :mod:`bot.render.links`)."""

from __future__ import annotations

from rich.console import Group
from rich.markup import escape
from rich.text import Text

from bot.answer import Answer, Source
from bot.render.links import quote_link, source_link


def source_line(source: Source) -> str:
    """``[1] Title — Outlet, 2024-12-12, URL`` (missing parts left out)."""
    details = ", ".join(p for p in (source.source, source.published, source.url) if p)
    return f"[{source.n}] {source.title}" + (f" — {details}" if details else "")


def to_text(answer: Answer) -> str:
    """The answer as plain text: lead line, numbered quotes, sources."""
    lines = [answer.lead, ""]
    for quote in answer.quotes:
        lines.append(f"[{quote.n}] “{quote.display}”")
    if answer.quotes:
        lines.append("")
    lines.append("Sources:" if answer.found else "Closest sources:")
    lines.extend(source_line(s) for s in answer.sources)
    return "\n".join(lines).rstrip()


def to_rich(answer: Answer) -> Group:
    """The answer for a colour terminal: bold lead, indented quotes, linked sources."""
    parts: list = [Text(answer.lead, style="bold" if answer.found else "yellow"), Text("")]
    for quote in answer.quotes:
        line = Text("  │ ", style="cyan")
        line.append(quote.display)
        link = quote_link(answer, quote)
        line.append(f"  [{quote.n}]", style=f"cyan bold link {link}" if link else "cyan bold")
        parts.append(line)
    if answer.quotes:
        parts.append(Text(""))
    parts.append(Text("Sources" if answer.found else "Closest sources", style="dim"))
    for source in answer.sources:
        details = ", ".join(escape(p) for p in (source.source, source.published) if p)
        title = escape(source.title)
        link = source_link(answer, source)
        if link:
            title = f"[link={escape(link)}]{title}[/link]"
        url = f" [dim]{escape(link)}[/dim]" if link else ""
        parts.append(Text.from_markup(f"  [cyan][{source.n}][/cyan] {title} — {details}{url}"))
    return Group(*parts)
