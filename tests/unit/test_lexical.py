"""The lexical tokenizer: one spelling for the United States, UK and EU, pronouns left alone."""

from __future__ import annotations

import pytest

from index.store.lexical import tokenize


@pytest.mark.parametrize(
    "text",
    ["the U.S. restrictions", "US restrictions", "the United States restrictions", "u.s. rules"],
)
def test_every_spelling_of_the_united_states_is_one_term(text):
    assert tokenize(text)[0] == "unitedst"


def test_the_pronoun_us_and_other_capital_words_stay_what_they_are():
    assert "unitedst" not in tokenize("let us go to the USB port")
    assert tokenize("the U.K. and E.U. rules") == ["unitedkingdom", "europeanunion", "rule"]


def test_question_words_and_auxiliaries_are_no_terms():
    assert tokenize("How do I reset it? Has Poland joined? What did they say?") == [
        "reset",
        "poland",
        "join",
        "say",
    ]


def test_numbers_stay_whole():
    assert tokenize("AI could add 11.2 trillion rubles") == [
        "ai",
        "add",
        "11.2",
        "trillion",
        "rubl",
    ]
