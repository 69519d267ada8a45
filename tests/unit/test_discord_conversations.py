"""The conversations the Discord bot remembers, on plain values."""

from __future__ import annotations

from bot.discord.conversations import Conversations


def test_a_conversation_keeps_its_last_questions_in_order():
    talks = Conversations(keep=2)
    for question in ("a?", "b?", "c?"):
        talks.add(1, question)
    assert talks.earlier(1) == ("b?", "c?") and talks.earlier(2) == ()
    assert 1 in talks and 2 not in talks


def test_starting_a_conversation_replaces_what_it_held():
    talks = Conversations()
    talks.add(7, "the thread's name")
    talks.start(7, "The whole first question?")
    assert talks.earlier(7) == ("The whole first question?",)


def test_an_idle_conversation_ends_and_the_least_recent_ones_are_dropped():
    now = [0.0]
    talks = Conversations(idle_s=60, size=2, clock=lambda: now[0])
    talks.add(1, "a?")
    now[0] = 61
    assert talks.earlier(1) == ()
    talks.add(1, "b?")
    talks.add(2, "c?")
    talks.add(3, "d?")
    assert talks.earlier(1) == () and talks.earlier(3) == ("d?",)
