"""Follow-up questions: a question that refers back to the conversation ("When did they join?"
after "Which countries joined the chip accord?") made to stand on its own for the search.

A question refers back when it uses a pronoun such as they/it/them/their/there/he/she, or names
nothing of its own (no capitalised name). Then the previous question's subject is added to it:
its names when it has any ("When was he appointed (Trump AI Czar)?"), else its topic words
("When did they join (countries joined chip accord)?"); names alone dilute the search less. The
previous question is resolved the same way first, so a chain of follow-ups keeps its topic. A
question that names its own subject is left alone, so a new topic starts afresh. This only
changes what is searched for; the answer is still made of verbatim quotes, and the user's own
words are what the answer shows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

MAX_CARRIED = 10  # words carried over from the conversation, at most
WORD = re.compile(r"[\w’'-]+")
PRONOUNS = frozenset(
    "they them their theirs it its he him his she her hers these those there".split()
)
BE = frozenset("is are was were be been will would could can may might has have had".split())
FUNCTION_WORDS = frozenset(
    """who whom whose what which when where why how is are was were be been being do does did
    done can could will would should shall may might must has have had and but so or nor then
    also too else just tell give list name show explain describe please in on at for of by to
    from with about into over under between against than as if since after before during until
    while the a an this that these those it its they them their theirs there he him his she her
    hers i me my we us our you your one ones any some many much more most other others such
    same own not no yes all each every both either neither up out again further once here now
    very only what's who's how's where's when's which's that's there's it's
    """.split()
)


def _words(text: str) -> list[str]:
    return WORD.findall(text)


def names(question: str) -> list[str]:
    """The capitalised words of ``question`` that name something (``Russia``, ``AI``), not the
    capital of a question word that starts it."""
    return [w for w in _words(question) if w[0].isupper() and w.lower() not in FUNCTION_WORDS]


def _pronouns(question: str) -> list[str]:
    words = [w.lower() for w in _words(question)]
    found = []
    for i, word in enumerate(words):
        if word not in PRONOUNS:
            continue
        near = set(words[max(i - 1, 0) : i]) | set(words[i + 1 : i + 2])
        if word == "there" and near & BE:  # "is there", "there are": no place referred to
            continue
        found.append(word)
    return found


def refers_back(question: str) -> bool:
    """Whether ``question`` leans on what was asked before: a pronoun, or no name of its own."""
    return bool(_pronouns(question)) or not names(question)


def topic_words(question: str) -> list[str]:
    """The words that carry a question's names and topic: everything but function words."""
    return [w for w in _words(question) if w.lower() not in FUNCTION_WORDS]


def standalone(question: str, earlier: Sequence[str]) -> str:
    """``question`` made to stand on its own, given the conversation's ``earlier`` questions
    (oldest first): unchanged unless it refers back, else with the previous question's names
    (or, without names, its topic words) added: at most ``MAX_CARRIED``, none it already has."""
    if not earlier or not refers_back(question):
        return question
    previous = standalone(earlier[-1], earlier[:-1])
    own = {w.lower() for w in _words(question)}
    subject = names(previous) or topic_words(previous)
    carried = list(dict.fromkeys(w for w in subject if w.lower() not in own))
    if not carried:
        return question
    stem = question.rstrip().rstrip("?.!").rstrip()
    return f"{stem} ({' '.join(carried[:MAX_CARRIED])})?"
