"""What a question asks for, and the evidence a sentence holds for it."""

from __future__ import annotations

import pytest

from bot.features import (
    STAND_IN,
    analyse,
    answer_evidence,
    entities,
    entity_lists,
    name_present,
    question_kind,
    speech_evidence,
)


@pytest.mark.parametrize(
    "question, kind",
    [
        ("Who is in the AI Alliance Network?", "list"),
        ("which countries are in the ai alliance network?", "list"),
        ("Name the members of BRICS", "list"),
        ("Who will Russia work with on AI?", "list"),
        ("How much could AI add to Russia's GDP by 2030?", "amount"),
        ("How many members does the chip accord have?", "amount"),
        ("what could AI be worth to Russia's economy", "amount"),
        ("What was Tesla's revenue in 2021?", "amount"),
        ("When was the alliance announced?", "time"),
        ("What is the release date of the game?", "time"),
        ("Where was the compact signed?", "place"),
        ("which city hosted the games", "place"),
        ("Who announced the alliance?", "person"),
        ("Who is invited to join?", "person"),
        ("who was the first chair", "person"),
        ("Which country won the most medals?", "person"),
        ("Who is Alexander Vedyakhin?", "role"),
        ("who is alexander vedyakhin", "role"),
        ("Why does Russia want an alliance?", "cause"),
        ("What has held Russia back in AI?", "cause"),
        ("What did Putin say about the AI race?", "speech"),
        ("how did china react", "speech"),
        ("Has Poland joined the Baltic Chip Accord?", "yesno"),
        ("could the alliance help russia avoid us restrictions", "yesno"),
        ("What will the AI partnership do?", "other"),
    ],
)
def test_question_kind(question, kind):
    assert question_kind(question) == kind


def test_names_are_capitalized_words_past_the_first_cut_at_of_without_titles():
    assert analyse("Who chairs the AI Alliance Network?").names == ("AI Alliance Network",)
    assert analyse("Who is the CEO of Google in 2021?").names == ("Google",)
    assert analyse("Has Poland joined the Baltic Chip Accord?").names == (
        "Poland",
        "Baltic Chip Accord",
    )
    assert analyse("how far behind is russia").names == ()  # lowercase: no names to check


def test_speaker_of_a_what_did_x_say_question():
    assert analyse("What did Putin say about the AI race?").speaker == ("putin",)
    assert analyse("What did China's government say about it?").speaker == ("china", "govern")
    assert analyse("Who chairs the committee?").speaker == ()


def test_without_names_leaves_what_is_asked_about_them():
    assert analyse("Who chairs the AI Alliance Network?").without_names() == "Who chairs the ?"


def test_names_leave_out_the_question_words_months_and_days():
    sentence = "Brazil, India, South Africa and China met in December."
    assert entities(sentence) == ["Brazil", "India", "South Africa", "China"]
    assert entities("talks were held on Monday in December.") == []
    assert entities("The talks ended.") == []  # a sentence-initial "The" is no name
    assert entities(sentence, frozenset({"brazil"})) == ["India", "South Africa", "China"]
    assert entity_lists(sentence) == ["Brazil, India, South Africa and China"]
    assert entity_lists("Brazil and India met.") == []  # fewer than three names


def test_a_name_run_is_cut_where_the_question_own_words_stand():
    text = "Alphabet and Google CEO Sundar Pichai sent an email."
    assert entities(text, frozenset({"google", "ceo"})) == ["Alphabet", "Sundar Pichai"]


def test_long_names_are_found_by_most_of_their_terms():
    assert name_present(("baltic", "chip", "accord"), {"baltic", "chip", "vote"})
    assert not name_present(("baltic", "chip", "accord"), {"baltic", "vote"})
    assert not name_present(("world", "cup"), {"world"})  # short names need every term
    assert name_present(("poland",), {"poland", "appli"})


def test_answer_evidence_is_what_the_question_asks_for():
    amount = analyse("How much could AI add to GDP?")
    assert answer_evidence(amount, "It could add 11.2 trillion rubles.") == 1.0
    assert answer_evidence(amount, "It could add a lot.") == 0.0
    assert answer_evidence(amount, "On Wednesday, Dec. 11, the bank spoke.") == 0.0  # a date
    assert answer_evidence(amount, "It became the fourth member.") > 0  # an ordinal
    when = analyse("When was the alliance announced?")
    assert answer_evidence(when, "It was announced in December 2024.") == 1.0
    who = analyse("Who announced it?")
    assert answer_evidence(who, "Putin announced it.") > 0
    assert answer_evidence(who, "We invite scientists to join.") > 0  # people, unnamed
    assert answer_evidence(analyse("Who did Putin meet?"), "Putin announced it.") == 0.0
    where = analyse("Where is the pilot line?")
    assert answer_evidence(where, "The line will be built in Kaunas.") > 0.5
    why = analyse("Why did Russia fall behind?")
    assert answer_evidence(why, "It trails due to Western sanctions.") == 1.0
    assert answer_evidence(why, "It trails the U.S.") == 0.0
    role = analyse("Who is Alexander Vedyakhin?")
    assert answer_evidence(role, "Alexander Vedyakhin, First Deputy Chairman, spoke.") == 1.0
    assert answer_evidence(analyse("What will the partnership do?"), "Anything.") == 1.0


def test_speech_evidence_needs_the_speaker_next_to_the_speech_verb():
    quote = "“Russia must participate on equal terms,” Putin told an AI conference."
    assert speech_evidence(("putin",), quote) == 1.0
    assert speech_evidence(("putin",), "“We invite scientists,” he added.") == STAND_IN
    other = "Following the announcement, Putin highlighted the gap with the U.S. and China."
    assert speech_evidence(("china", "govern"), other) == 0.0
    assert speech_evidence(("putin",), "The alliance includes Brazil and India.") == 0.0
