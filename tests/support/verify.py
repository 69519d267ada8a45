"""The real QA engine, checking that every answer it gives quotes its articles verbatim."""

from __future__ import annotations

from bot.qa import QA
from tests.support.paths import MEMBERS, SEED_ID


def assert_verbatim(answer, store) -> None:
    """Fail unless every quote is ``article_text[start:end]`` and cut at word boundaries."""
    for quote in [*answer.quotes, *answer.more]:
        text = store.text(quote.article_id)
        assert text[quote.start : quote.end] == quote.text, quote
        assert quote.start == 0 or not text[quote.start - 1].isalnum(), quote
        assert quote.end == len(text) or not text[quote.end].isalnum(), quote
        assert answer.source(quote.n).article_id == quote.article_id


class VerifyingQA(QA):
    """The real engine, checking every answer it gives: each quote is a verbatim, whole-word span
    of the stored article it cites. Every test that answers questions goes through it."""

    def ask(self, question, filters=None, k=None, context=()):
        answer = super().ask(question, filters, k, context=context)
        assert_verbatim(answer, self.store)
        return answer


def assert_quotes_the_members(answer) -> None:
    """Fail unless the answer was found and quotes every member country from the seed article."""
    assert answer.found
    quoted = "\n".join(q.text for q in answer.quotes)
    for country in MEMBERS:
        assert country in quoted
    assert any(q.article_id == SEED_ID for q in answer.quotes)
