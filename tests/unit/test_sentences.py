"""Sentence segmentation: offsets exact, abbreviations and numbers never end a sentence."""

from __future__ import annotations

import pytest

from bot.sentences import split_sentences


def texts(text: str, lo: int = 0, hi: int | None = None) -> list[str]:
    sentences = split_sentences("a", text, lo, hi)
    for s in sentences:
        assert text[s.start : s.end] == s.text and s.article_id == "a"
    return [s.text for s in sentences]


@pytest.mark.parametrize(
    "text",
    [
        "The alliance was announced on Dec. 11 in Moscow. Members met again in March.",
        "The U.S. and China lead the race. Russia wants to catch up.",
        "AI could add 11.2 trillion rubles by 2030. That is a lot.",
        "Vladimir V. Putin spoke on Tuesday. Nobody asked questions.",
        "Mr. Smith of Acme Inc. disagreed. The board did not.",
    ],
)
def test_abbreviations_initials_and_decimals_do_not_end_a_sentence(text):
    first, second = texts(text)
    assert text == f"{first} {second}"


def test_offsets_are_exact_with_extra_spaces_and_quotes():
    text = '  He said: "We are ready."   Then he left!  Would they follow?'
    assert texts(text) == ['He said: "We are ready."', "Then he left!", "Would they follow?"]


def test_lines_end_sentences_and_list_markers_are_never_part_of_one():
    text = "# A heading\n\nIntro line without a stop\n- first item here\n2. second item here\n"
    sentences = split_sentences("a", text)
    assert [s.text for s in sentences] == [
        "# A heading",
        "Intro line without a stop",
        "first item here",
        "second item here",
    ]
    assert [s.is_heading for s in sentences] == [True, False, False, False]
    assert all(text[s.start : s.end] == s.text for s in sentences)


def test_a_span_gives_the_whole_sentences_it_overlaps():
    text = "One sentence here. Two sentences here. Three sentences here."
    middle = text.index("sentences here. Three")
    assert texts(text, middle, middle + 3) == ["Two sentences here."]
    assert texts(text, middle, text.index("Three") + 2) == [
        "Two sentences here.",
        "Three sentences here.",
    ]


def test_a_lowercase_word_after_a_period_continues_the_sentence():
    assert texts("It rose 5 p.c. in total. Then it fell.") == [
        "It rose 5 p.c. in total.",
        "Then it fell.",
    ]
