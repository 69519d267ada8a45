"""The answering engine: found answers quote the articles verbatim; others are refused."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.errors import InvalidQuestion
from bot.eval import quotes_contain
from bot.qa import MAX_QUESTION_CHARS, THRESHOLD
from bot.render.terminal import to_text
from index.store.search import Filters
from tests.support.paths import SEED_ID
from tests.support.verify import assert_quotes_the_members


def test_alliance_question_quotes_the_member_countries_with_citations(qa):
    answer = qa.ask("Who is in the AI Alliance Network?")
    assert_quotes_the_members(answer)
    seed = next(s for s in answer.sources if s.article_id == SEED_ID)
    assert (seed.source, seed.published) == ("CCN", "2024-12-12")
    assert seed.url.startswith("https://www.ccn.com/")
    assert 1 <= len(answer.quotes) <= 4


def test_lead_line_is_made_of_the_quotes_own_words(qa):
    answer = qa.ask("Who is in the AI Alliance Network?")
    quoted = "\n".join(q.text for q in answer.quotes)
    for part in answer.lead.split("; "):
        words, _, ref = part.rpartition(" [")
        assert words.rstrip("…") in quoted and ref.rstrip("]").isdigit()


def test_numbers_and_names_are_found(qa):
    answer = qa.ask("How much could AI add to Russia's GDP by 2030?")
    assert answer.found and "11.2 trillion rubles" in answer.quotes[0].text


def test_calibration_set_refuses_unanswerable_questions(qa, calibration):
    answered = []
    for case in calibration["unanswerable"]:
        answer = qa.ask(case["q"])
        assert answer.found or answer.quotes == []
        if answer.found:
            answered.append(case["q"])
    # Measured at the calibrated threshold: one on-topic near miss ("Who regulates AI in
    # Brazil?") still scores like an answer; every other unanswerable question is refused.
    assert len(answered) <= 1, answered


def test_calibration_set_answers_most_answerable_questions(qa, calibration):
    right = [
        case["q"]
        for case in calibration["answerable"]
        if (answer := qa.ask(case["q"])).found and quotes_contain(answer, case["expect"])
    ]
    assert len(right) >= 20, f"{len(right)}/22 at threshold {THRESHOLD}"


def test_not_found_lists_the_closest_sources_without_quoting_them(qa):
    answer = qa.ask("Who won the 2022 FIFA World Cup?")
    assert not answer.found and answer.quotes == []
    assert answer.sources and "don't cover" in answer.lead
    text = to_text(answer)
    assert "Closest sources:" in text and "“" not in text


def test_source_filter_is_applied_inside_the_search(qa):
    answer = qa.ask("What export rules were announced?", Filters(source="fixture wire"), k=3)
    assert {s.source for s in answer.sources} == {"Fixture Wire"}


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
    assert not answer.found and answer.sources == []


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


def test_non_english_question_is_refused_with_the_closest_source(qa):
    answer = qa.ask("Qui fait partie du réseau d'alliance IA ? Кто входит в альянс?")
    # Measured: no English sentence scores above the threshold, so it is an honest refusal
    # that points at the alliance article rather than a quote in the wrong language.
    assert not answer.found and answer.quotes == [] and "don't cover" in answer.lead
    assert [s.article_id for s in answer.sources][:1] == [SEED_ID]
