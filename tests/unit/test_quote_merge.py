"""Joining chosen sentences into quotes: neighbours in one paragraph become one span."""

from __future__ import annotations

from bot.qa import MAX_QUOTE_CHARS, _Candidate, _merge_neighbours
from bot.sentences import split_sentences

TEXT = (
    "First sentence of the paragraph. Second sentence follows it. Third one ends it.\n"
    "A new line starts here. And goes on."
)


class OneArticle:
    """The one method of an index store that the merge reads."""

    def text(self, article_id: str) -> str:
        return TEXT


def chosen(*numbers: int, scores=None) -> list[_Candidate]:
    sentences = split_sentences("a", TEXT)
    picked = []
    for i, n in enumerate(numbers):
        candidate = _Candidate(sentences[n], rank=0)
        candidate.cosine = scores[i] if scores else 1.0
        picked.append(candidate)
    return picked


def test_neighbours_in_one_paragraph_become_one_span_with_the_best_score():
    (span,) = _merge_neighbours(chosen(1, 0, scores=[0.9, 0.5]), OneArticle())
    article_id, start, end, score = span
    assert TEXT[start:end] == "First sentence of the paragraph. Second sentence follows it."
    assert (article_id, score) == ("a", 0.9)


def test_sentences_apart_or_across_a_line_stay_separate_best_first():
    spans = _merge_neighbours(chosen(0, 2, 3, scores=[0.5, 0.7, 0.6]), OneArticle())
    assert [TEXT[s:e] for _, s, e, _ in spans] == [
        "Third one ends it.",
        "A new line starts here.",
        "First sentence of the paragraph.",
    ]


def test_a_merge_never_makes_a_quote_longer_than_the_limit():
    long_text = ("word " * (MAX_QUOTE_CHARS // 5)).strip() + ". Next one."

    class LongArticle:
        def text(self, article_id: str) -> str:
            return long_text

    sentences = split_sentences("a", long_text)
    candidates = [_Candidate(s, rank=0) for s in sentences]
    assert len(_merge_neighbours(candidates, LongArticle())) == 2
