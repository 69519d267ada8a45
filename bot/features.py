"""The features used to pick quotes from sentences: coverage of the question's words, the kind
of answer a question asks for, names and lists of names, and how much a sentence looks like it
holds that kind of answer."""

from __future__ import annotations

import re

from index import tokenize

MONTHS_DAYS = frozenset(
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday "
    "saturday sunday".split()
)
CAPITALIZED = r"(?:[A-Z][\w’'-]*|[A-Z]\.(?:[A-Z]\.)+)"
ENTITY = rf"{CAPITALIZED}(?:\s+(?:of\s+|the\s+|de\s+)?{CAPITALIZED})*"
ENTITY_LIST = re.compile(rf"{ENTITY}(?:,\s+{ENTITY})+(?:,?\s+and\s+{ENTITY})?")
MIN_LIST_NAMES = 3
NUMBER = re.compile(
    r"\d+(?:[.,]\d+)*|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"twenty|thirty|forty|fifty|hundred|thousand|million|billion|trillion|dozens?|half|"
    r"percent|per cent)\b",
    re.IGNORECASE,
)
DATE_WORDS = re.compile(
    r"\b(?:\d{4}|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?|"
    r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day)\b"
)


def coverage(question_terms: set[str], sentence: str) -> float:
    """Share of the question's content words (stemmed) that the sentence contains."""
    if not question_terms:
        return 0.0
    return len(question_terms & set(tokenize(sentence))) / len(question_terms)


LIST_QUESTION = re.compile(
    r"\b(which|what) (\w+ )?(countries|nations|states|companies|firms|members|groups|people|"
    r"organi[sz]ations|banks|associations)\b|\bwho (is|are) (in|part of|members? of|joining|"
    r"behind|involved)\b|\bwho are\b|\bmembers?\b|\blist\b|\bname the\b"
)


def question_kind(question: str) -> str:
    """A coarse answer type: ``list``, ``person``, ``amount``, ``time``, ``place`` or ``other``."""
    q = question.lower()
    if LIST_QUESTION.search(q):
        return "list"
    if re.search(
        r"\b(how (much|many|big|large|far|long)|what (is|was) the (size|value|cost))\b", q
    ):
        return "amount"
    if re.search(r"\b(when|what (day|date|year|month))\b", q):
        return "time"
    if re.search(r"\bwhere\b", q):
        return "place"
    if re.search(r"\b(who|whom|whose)\b", q):
        return "person"
    return "other"


def entities(text: str, exclude: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """Capitalized names in ``text`` (not sentence-initial function words, months or days)."""
    found = []
    for match in re.finditer(ENTITY, text):
        name = match.group().strip()
        words = {w.lower().strip(".’'") for w in name.split()}
        if words <= MONTHS_DAYS or name.lower() in exclude or words & exclude:
            continue
        if match.start() == 0 and name.lower() in {"the", "a", "an", "on", "in", "at", "but"}:
            continue
        found.append(name)
    return found


def answer_type_score(kind: str, sentence: str, question_words: set[str]) -> float:
    """0–1: how much the sentence looks like it holds the kind of answer asked for."""
    if kind == "list":
        names = set(entities(sentence, question_words))
        listed = 1.0 if entity_lists(sentence, question_words) else 0.0
        return min(1.0, 0.6 * listed + 0.1 * len(names))
    if kind == "person":
        return 1.0 if entities(sentence, question_words) else 0.0
    if kind == "amount":
        return min(1.0, 0.5 * len(NUMBER.findall(sentence)))
    if kind == "time":
        return min(1.0, 0.5 * len(DATE_WORDS.findall(sentence)))
    if kind == "place":
        return min(1.0, 0.2 * len(entities(sentence, question_words)))
    return 0.0


def entity_lists(text: str, exclude: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """Verbatim enumerations of names ("Brazil, India, South Africa, China") in ``text``."""
    runs = []
    for match in ENTITY_LIST.finditer(text):
        names = entities(match.group(), exclude)
        if len(names) >= MIN_LIST_NAMES:
            runs.append(match.group())
    return runs
