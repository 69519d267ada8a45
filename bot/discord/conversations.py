"""Conversations on Discord: the questions asked so far in each thread or direct-message
channel, so that a follow-up is read against them (:func:`bot.followup.standalone`).

Kept in memory (the most recently used conversations, the last few questions of each); a DM
conversation ends after a while without questions. After a restart the bot's own threads start
again from their first question, which is the thread's name.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

MAX_CONVERSATIONS = 2000
MAX_QUESTIONS = 5  # earlier questions a follow-up is read against
DM_IDLE_S = 30 * 60


class Conversations:
    """The earlier questions of each conversation, by key (a channel or thread id)."""

    def __init__(
        self,
        *,
        idle_s: float | None = None,
        size: int = MAX_CONVERSATIONS,
        keep: int = MAX_QUESTIONS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.idle_s = idle_s
        self.size = size
        self.keep = keep
        self._clock = clock
        self._talks: OrderedDict[int, tuple[float, tuple[str, ...]]] = OrderedDict()

    def __contains__(self, key: int) -> bool:
        return bool(self.earlier(key))

    def earlier(self, key: int) -> tuple[str, ...]:
        """The conversation's questions so far, oldest first (empty once it went idle)."""
        entry = self._talks.get(key)
        if entry is None:
            return ()
        last, questions = entry
        if self.idle_s is not None and self._clock() - last > self.idle_s:
            del self._talks[key]
            return ()
        return questions

    def add(self, key: int, question: str) -> None:
        """Add a question to the conversation (starting it if needed)."""
        questions = (*self.earlier(key), question)[-self.keep :]
        self._talks[key] = (self._clock(), questions)
        self._talks.move_to_end(key)
        while len(self._talks) > self.size:
            self._talks.popitem(last=False)

    def start(self, key: int, question: str) -> None:
        """Start the conversation afresh with its first question (replacing what it held, such
        as a thread's name taken for its first question by a follow-up that came early)."""
        self._talks.pop(key, None)
        self.add(key, question)
