"""The features that pick quotes: the kind of answer a question asks for, names, lists, numbers."""

from __future__ import annotations

import pytest

from bot.features import answer_type_score, coverage, entities, entity_lists, question_kind


@pytest.mark.parametrize(
    "question, kind",
    [
        ("Who is in the AI Alliance Network?", "list"),
        ("Which countries joined the alliance?", "list"),
        ("Name the members of BRICS", "list"),
        ("How much could AI add to Russia's GDP by 2030?", "amount"),
        ("How many accelerators does the data centre have?", "amount"),
        ("When was the alliance announced?", "time"),
        ("What year did the talks start?", "time"),
        ("Where was the compact signed?", "place"),
        ("Who announced the alliance?", "person"),
        ("Why does Russia want an alliance?", "other"),
    ],
)
def test_question_kind(question, kind):
    assert question_kind(question) == kind


def test_names_and_lists_of_names_leave_out_the_question_words_months_and_days():
    sentence = "Brazil, India, South Africa and China met in December."
    assert entities(sentence) == ["Brazil", "India", "South Africa", "China"]
    assert entities("talks were held on Monday in December.") == []
    assert entities("The talks ended.") == []  # a sentence-initial "The" is no name
    assert entities(sentence, {"brazil"}) == ["India", "South Africa", "China"]
    assert entity_lists(sentence) == ["Brazil, India, South Africa and China"]
    assert entity_lists("Brazil and India met.") == []  # fewer than three names


def test_answer_type_scores_what_the_question_asks_for():
    assert answer_type_score("amount", "It could add 11.2 trillion rubles.", set()) == 1.0
    assert answer_type_score("amount", "It could add a lot.", set()) == 0.0
    assert answer_type_score("time", "It was announced in December 2024.", set()) == 1.0
    assert answer_type_score("person", "Putin announced it.", set()) == 1.0
    assert answer_type_score("person", "Putin announced it.", {"putin"}) == 0.0
    assert answer_type_score("other", "Anything at all.", set()) == 0.0


def test_coverage_is_the_share_of_question_terms_in_the_sentence():
    assert coverage({"allianc", "network"}, "The alliance network grows.") == 1.0
    assert coverage({"allianc", "network"}, "The alliance grows.") == 0.5
    assert coverage(set(), "Anything.") == 0.0
