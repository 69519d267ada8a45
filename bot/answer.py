"""What an answer is: a lead line, verbatim quotes and the sources they cite. The renderers
(``bot.render``) format these types; they never need the algorithm that picks them (``bot.qa``)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Source:
    """A cited article: ``n`` is the number quotes refer to."""

    n: int
    article_id: str
    title: str
    source: str | None
    url: str | None
    published: str | None


@dataclass(frozen=True)
class Quote:
    """A verbatim span ``[start, end)`` of a stored article, citing source ``n``."""

    n: int
    text: str
    article_id: str
    start: int
    end: int
    score: float


@dataclass(frozen=True)
class Answer:
    """What the engine found: a lead line, quotes, and the sources they cite."""

    question: str
    found: bool
    lead: str
    quotes: list[Quote] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)

    def source(self, n: int) -> Source:
        """The source numbered ``n``."""
        return next(s for s in self.sources if s.n == n)
