"""Sentence segmentation: sentences as a reader sees them, with exact offsets."""

from __future__ import annotations

import pytest

from bot.sentences import paragraphs, split_sentences


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
        "Gen. Ortiz met Dr. Ruiz on Oct. 3. No. 2 in the ranking followed.",
        "“Why not?” Putin asked the room. Nobody answered him.",
    ],
)
def test_abbreviations_initials_decimals_and_attributed_quotes_do_not_end_a_sentence(text):
    first, second = texts(text)
    assert text == f"{first} {second}"


def test_an_initialism_at_the_end_of_a_sentence_still_ends_it():
    assert texts("The chips came from the U.S. The rest came from Asia.") == [
        "The chips came from the U.S.",
        "The rest came from Asia.",
    ]


def test_offsets_are_exact_with_extra_spaces_and_quotes():
    text = '  He said: "We are ready."   Then he left!  Would they follow?'
    assert texts(text) == ['He said: "We are ready."', "Then he left!", "Would they follow?"]


def test_a_hard_wrapped_paragraph_is_read_across_its_line_breaks():
    text = (
        "Estonia, Latvia and Lithuania signed the Baltic Chip Accord in Riga on Tuesday, agreeing"
        " to\nshare design tools and a pilot fabrication line for low-power AI accelerators.\n\n"
        "The three governments will split the cost, officials\nsaid. Finland attended."
    )
    assert texts(text) == [
        "Estonia, Latvia and Lithuania signed the Baltic Chip Accord in Riga on Tuesday, agreeing"
        " to\nshare design tools and a pilot fabrication line for low-power AI accelerators.",
        "The three governments will split the cost, officials\nsaid.",
        "Finland attended.",
    ]


def test_headings_list_items_block_quotes_and_short_title_lines_stay_separate():
    text = (
        "# A heading\n\nIntro line without a stop\n- first item here\n2. second item here\n\n"
        "> A quoted passage that runs on\n> over two lines.\n\nShort Title Line\n"
        "The body of the article starts here and runs on for a while."
    )
    sentences = split_sentences("a", text)
    assert [s.text for s in sentences] == [
        "# A heading",
        "Intro line without a stop",
        "first item here",
        "second item here",
        "A quoted passage that runs on\n> over two lines.",
        "Short Title Line",
        "The body of the article starts here and runs on for a while.",
    ]
    assert [s.kind for s in sentences] == [
        "heading",
        "prose",
        "item",
        "item",
        "quote",
        "prose",
        "prose",
    ]
    assert all(text[s.start : s.end] == s.text for s in sentences)


def test_paragraphs_end_at_blank_lines_and_sentences_know_theirs():
    text = "One. Two.\n\n  \nThree runs\non here."
    assert [text[s:e] for s, e in paragraphs(text)] == ["One. Two.", "Three runs\non here."]
    first, second, third = split_sentences("a", text)
    assert first.paragraph == second.paragraph == 0
    assert third.paragraph == text.index("Three")


def test_single_line_breaks_after_a_full_stop_end_sentences_as_in_extracted_html():
    text = "The site opened on Friday.\nIt runs 40,000 accelerators.\nOfficials were pleased."
    assert texts(text) == [
        "The site opened on Friday.",
        "It runs 40,000 accelerators.",
        "Officials were pleased.",
    ]


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


@pytest.mark.parametrize(
    "text",
    [
        "The minister said no. The alliance grew.",
        "It is state of the art. The chips are fast.",
        "They chose Plan B. The talks resumed.",
        "He went to Paris. Élysée officials agreed.",
    ],
)
def test_words_that_look_like_abbreviations_still_end_a_sentence(text):
    assert len(texts(text)) == 2


def test_each_list_item_is_a_run_of_its_own():
    first, second = split_sentences("a", "- first item here.\n- second item here.")
    assert first.unit != second.unit and first.paragraph == second.paragraph
