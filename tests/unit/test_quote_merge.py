"""Joining chosen sentences into quotes: neighbours in one paragraph become one span."""

from __future__ import annotations

from bot.qa import MAX_QUOTE_CHARS, Span, merge_spans


def span(first: int, last: int | None = None, score: float = 1.0, unit: int = 0) -> Span:
    last = first if last is None else last
    return Span("a", unit, first, last, first * 10, last * 10 + 9, score)


def test_neighbours_in_one_paragraph_become_one_span_with_the_best_score():
    (merged,) = merge_spans([span(1, score=0.9), span(0, score=0.5)])
    assert (merged.first, merged.last, merged.start, merged.end) == (0, 1, 0, 19)
    assert merged.score == 0.9


def test_sentences_apart_or_in_another_paragraph_stay_separate_best_first():
    spans = merge_spans([span(0, score=0.5), span(2, score=0.7), span(3, score=0.6, unit=1)])
    assert [(s.first, s.score) for s in spans] == [(2, 0.7), (3, 0.6), (0, 0.5)]


def test_an_overlapping_span_is_absorbed():
    (merged,) = merge_spans([span(3, 4), span(4)])
    assert (merged.first, merged.last) == (3, 4)


def test_a_merge_never_makes_a_quote_longer_than_the_limit():
    long = Span("a", 0, 0, 0, 0, MAX_QUOTE_CHARS - 5, 1.0)
    after = Span("a", 0, 1, 1, MAX_QUOTE_CHARS - 4, MAX_QUOTE_CHARS + 20, 1.0)
    assert len(merge_spans([long, after])) == 2
