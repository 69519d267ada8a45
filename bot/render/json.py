"""Answers for programs: the ``geoqa ask --json`` object. Formatting only."""

from __future__ import annotations

from bot.answer import Answer, Quote, Source
from bot.render.links import quote_link
from bot.render.terminal import to_text


def to_json(answer: Answer) -> dict:
    """The answer as the ``geoqa ask --json`` object."""

    def article_fields(source: Source) -> dict:
        return {
            "article_id": source.article_id,
            "title": source.title,
            "source": source.source,
            "url": source.url,
            "published": source.published,
        }

    def quote_fields(q: Quote) -> dict:
        return {
            "n": q.n,
            "text": q.text,
            **article_fields(answer.source(q.n)),
            "start": q.start,
            "end": q.end,
            "score": round(q.score, 4),
            "link": quote_link(answer, q),
        }

    return {
        "question": answer.question,
        "found": answer.found,
        "kind": answer.kind,
        "reason": answer.reason,
        "answer": to_text(answer),
        "quotes": [quote_fields(q) for q in answer.quotes],
        "more": [quote_fields(q) for q in answer.more],
        "sources": [{"n": s.n, **article_fields(s)} for s in answer.sources],
    }
