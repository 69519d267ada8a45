"""What an answer is: a lead line, verbatim quotes and the sources they cite. The renderers
(``bot.render``) format these types; they never need the algorithm that picks them (``bot.qa``)."""

from __future__ import annotations

from dataclasses import dataclass, field

# Why an answer was refused (``Answer.reason``); None when it was found.
NOT_MENTIONED = "not_mentioned"  # a name in the question is in no indexed article
NOT_ANSWERED = "not_answered"  # the articles are on topic, but no sentence answers
NOT_COVERED = "not_covered"  # nothing indexed is about the question
NO_ARTICLES = "no_articles"  # the filters leave no article to search


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

    @property
    def display(self) -> str:
        """The quote for reading: its runs of whitespace (hard line breaks) as single spaces."""
        return " ".join(self.text.split())


@dataclass(frozen=True)
class Answer:
    """What the engine found: a lead line, quotes, and the sources they cite.

    ``more`` holds further quotes that also scored well (shown on request; their sources are in
    ``sources`` too). ``kind`` is what the question asks for (``bot.features.KINDS``: "list",
    "amount", "time", …); ``reason`` says why nothing was found (one of the constants above),
    None when ``found``.
    """

    question: str
    found: bool
    lead: str
    quotes: list[Quote] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    more: list[Quote] = field(default_factory=list)
    kind: str = "other"
    reason: str | None = None

    def source(self, n: int) -> Source:
        """The source numbered ``n``."""
        return next(s for s in self.sources if s.n == n)
