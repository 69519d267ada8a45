"""Follow-up questions made to stand on their own, on plain strings."""

from __future__ import annotations

from bot.followup import MAX_CARRIED, names, refers_back, standalone

CHIPS = "Which countries joined the chip accord?"


def test_a_pronoun_carries_over_the_previous_questions_topic():
    assert standalone("When did they join?", [CHIPS]) == (
        "When did they join (countries joined chip accord)?"
    )


def test_the_previous_questions_names_are_carried_over_without_its_other_words():
    resolved = standalone("When was he appointed?", ["Who did Trump appoint as AI Czar?"])
    assert resolved == "When was he appointed (Trump AI Czar)?"


def test_a_question_without_names_of_its_own_refers_back():
    assert refers_back("What about the licence fee?")
    resolved = standalone("What about the licence fee?", ["What did the Meridian Council rule?"])
    assert resolved == "What about the licence fee (Meridian Council)?"


def test_a_question_naming_its_own_subject_starts_afresh():
    assert not refers_back("What is the capital of Australia?")
    assert standalone("What is the capital of Australia?", [CHIPS]) == (
        "What is the capital of Australia?"
    )


def test_without_earlier_questions_nothing_changes():
    assert standalone("When did they join?", []) == "When did they join?"


def test_existential_there_is_no_reference_but_a_place_there_is():
    assert not refers_back("Is there a fee for Halvard Systems?")
    assert refers_back("Who works there at Lumen Grid?")


def test_a_chain_of_follow_ups_keeps_the_first_topic():
    earlier = [CHIPS, "When did they join?"]
    resolved = standalone("Who leads it?", earlier)
    assert "chip accord" in resolved and resolved.startswith("Who leads it (")


def test_words_the_question_already_has_are_not_repeated_and_the_carry_is_bounded():
    assert standalone("Which countries joined it?", [CHIPS]) == (
        "Which countries joined it (chip accord)?"
    )
    long = " ".join(f"Topic{i}" for i in range(30)) + "?"
    carried = standalone("And them?", [long]).split("(")[1].rstrip(")?").split()
    assert len(carried) == MAX_CARRIED


def test_question_words_at_the_start_are_not_names():
    assert names("When did Russia announce the AI Alliance Network?") == [
        "Russia",
        "AI",
        "Alliance",
        "Network",
    ]
    assert names("Who leads it?") == []
