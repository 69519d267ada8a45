"""The answering engine with the real model: found answers quote the articles verbatim and say
it in their lead line; others are refused, saying why."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.answer import NO_ARTICLES, NOT_ANSWERED, NOT_COVERED, NOT_MENTIONED
from bot.errors import InvalidQuestion
from bot.eval import contains_answer
from bot.qa import MAX_QUESTION_CHARS
from bot.render.terminal import to_text
from index.store.search import Filters
from tests.support.paths import SEED_ID
from tests.support.verify import assert_quotes_the_members

WRAPPED_ID = "2025-09-12-coral-compute-compact"


def expected(case) -> list[list[str]]:
    """A calibration case's ``expect`` as the parts its quotes must hold."""
    return [[case["expect"]]] if isinstance(case["expect"], str) else [[x] for x in case["expect"]]


def test_alliance_question_quotes_the_member_countries_with_citations(qa):
    answer = qa.ask("Who is in the AI Alliance Network?")
    assert_quotes_the_members(answer)
    assert answer.kind == "list" and answer.lead.startswith("Brazil, India, South Africa, China")
    seed = next(s for s in answer.sources if s.article_id == SEED_ID)
    assert (seed.source, seed.published) == ("CCN", "2024-12-12")
    assert seed.url.startswith("https://www.ccn.com/")
    assert 1 <= len(answer.quotes) <= 4


def test_lead_line_is_made_of_the_quotes_own_words_and_never_repeats_quote_one(qa):
    for question in (
        "Who is in the AI Alliance Network?",
        "How much could AI add to Russia's GDP by 2030?",
        "how far behind the us is russia",
    ):
        answer = qa.ask(question)
        quoted = "\n".join(q.display for q in answer.quotes)
        for part in answer.lead.split("; "):
            words, _, ref = part.rpartition(" [")
            assert ref.rstrip("]").isdigit()
            for piece in words.strip("…").split(" … "):
                assert piece in quoted, (question, piece)
        assert answer.lead.rpartition(" [")[0] != answer.quotes[0].display.rstrip(".")


def test_numbers_are_found_and_led_with_the_phrase_that_holds_them(qa):
    answer = qa.ask("How much could AI add to Russia's GDP by 2030?")
    assert answer.found and "11.2 trillion rubles" in answer.quotes[0].text
    assert answer.kind == "amount" and "11.2 trillion rubles" in answer.lead
    far = qa.ask("how far behind the us is russia")  # lowercase, "us" for "the U.S."
    assert far.found and "six to nine months" in far.quotes[0].text
    assert "six to nine months" in far.lead


def test_calibration_set_answers_its_answerable_questions(qa, calibration):
    right = [
        case["q"]
        for case in calibration["answerable"]
        if (answer := qa.ask(case["q"])).found
        and contains_answer([q.text for q in answer.quotes], expected(case))
    ]
    # Measured with the fitted model (bot/scoring.py): all 22.
    assert len(right) >= 21, f"{len(right)}/22"


def test_calibration_set_refuses_most_unanswerable_questions(qa, calibration):
    answered = []
    for case in calibration["unanswerable"]:
        answer = qa.ask(case["q"])
        assert answer.found or (answer.quotes == [] and answer.reason is not None)
        if answer.found:
            answered.append(case["q"])
    # Measured: 23 of 26 refused; the rest are on-topic near misses such as "How much will
    # Sberbank invest in the AI Alliance Network?" (docs/answers.md).
    assert len(answered) <= 4, answered


def test_a_name_no_article_mentions_is_refused_saying_so(qa):
    answer = qa.ask("What did Japan say about the AI Alliance Network?")
    assert not answer.found and answer.reason == NOT_MENTIONED
    assert answer.lead.startswith("No indexed article mentions Japan.")
    assert answer.sources  # the closest sources are still listed


def test_on_topic_but_unanswered_says_the_articles_do_not_say_it(qa):
    answer = qa.ask("When will the AI Alliance Network hold its first meeting?")
    assert not answer.found and answer.reason == NOT_ANSWERED and answer.quotes == []
    assert "none of them says it" in answer.lead


def test_not_found_lists_the_closest_sources_without_quoting_them(qa):
    answer = qa.ask("How do I bake sourdough bread?")
    assert not answer.found and answer.quotes == [] and answer.reason == NOT_COVERED
    assert answer.sources and "don't cover" in answer.lead
    text = to_text(answer)
    assert "Closest sources:" in text and "“" not in text


def test_a_hard_wrapped_sentence_is_quoted_whole_across_its_line_break(wrapped_qa):
    answer = wrapped_qa.ask("how much will the cluster cost")
    top = answer.quotes[0]
    assert answer.found and top.article_id == WRAPPED_ID
    assert top.text.startswith("The cluster will cost 85 million dollars, officials said,")
    assert "run from a new\ndata hall near the port." in top.text  # the article's own line break
    assert "\n" not in top.display
    assert answer.lead == "The cluster will cost 85 million dollars [1]"


def test_a_sentence_that_refers_back_is_quoted_with_what_it_refers_to(wrapped_qa):
    answer = wrapped_qa.ask("What will be the largest public AI machine in the region?")
    top = answer.quotes[0]
    assert top.text.startswith("The cluster will cost")  # what "It" is
    assert top.text.endswith("It will be the largest public AI machine in the region.")


def test_yes_no_questions_quote_the_sentence_that_says(wrapped_qa):
    answer = wrapped_qa.ask("Has Kelso joined the compact?")
    assert answer.found and answer.kind == "yesno"
    assert answer.quotes[0].text == "Kelso has asked to join but has not yet signed."
    assert answer.lead == "Kelso … has not yet signed [1]"


def test_who_is_and_why_questions_lead_with_the_role_and_the_cause(wrapped_qa):
    who = wrapped_qa.ask("who is maren ilves")
    assert who.kind == "role" and who.lead == "Maren Ilves, the compact's technical director [1]"
    why = wrapped_qa.ask("why will the first projects study storm forecasting")
    assert why.kind == "cause" and why.lead == "because the islands lose most to the weather [1]"


def test_a_follow_up_is_understood_from_the_question_before_it(wrapped_qa):
    answer = wrapped_qa.ask(
        "When did they sign it?", context=["Who signed the Coral Compute Compact?"]
    )
    assert answer.found and answer.question == "When did they sign it?"
    assert "on\nMonday" in answer.quotes[0].text or "on Monday" in answer.quotes[0].text


def test_source_filter_is_applied_inside_the_search_for_a_loose_lowercase_question(qa):
    answer = qa.ask("what export rules were announced", Filters(source="fixture wire"), k=3)
    assert answer.found and {s.source for s in answer.sources} == {"Fixture Wire"}


def test_date_filters_exclude_articles_outside_the_range(qa):
    late = Filters(since=dt.date(2025, 1, 1))
    answer = qa.ask("Who is in the AI Alliance Network?", late)
    assert SEED_ID not in {s.article_id for s in answer.sources}
    early = Filters(until=dt.date(2024, 12, 31), source="CCN")
    assert {s.article_id for s in qa.ask("Who is in the AI Alliance Network?", early).sources} == {
        SEED_ID
    }


def test_a_filter_that_matches_nothing_gives_an_honest_empty_answer(qa):
    answer = qa.ask("Who is in the AI Alliance Network?", Filters(source="No Such Outlet"))
    assert not answer.found and answer.sources == [] and answer.reason == NO_ARTICLES


@pytest.mark.parametrize(
    "question, message",
    [
        ("", "empty"),
        ("   \n\t ", "empty"),
        ("x" * 10_000, "too long"),
        ("Who is in\x07 the alliance?", "control characters"),
        ("?!?", "no words"),
    ],
)
def test_bad_questions_get_a_clear_message(qa, question, message):
    with pytest.raises(InvalidQuestion, match=message):
        qa.ask(question)


def test_longest_allowed_question_is_answered(qa):
    question = ("Who is in the AI Alliance Network? " * 20)[:MAX_QUESTION_CHARS]
    assert qa.ask(question).question


def test_non_english_question_gets_an_honest_refusal(qa):
    answer = qa.ask("Qui fait partie du réseau d'alliance IA ? Кто входит в альянс?")
    # Measured: refused, naming the acronym no article holds ("IA"), the seed listed as closest.
    assert not answer.found and answer.quotes == []
    assert answer.reason == NOT_MENTIONED and "IA" in answer.lead
    assert SEED_ID in {s.article_id for s in answer.sources}
