"""The lead line: the answer in the quotes' own words, shorter than any quote.

For a list it is the names the quotes enumerate; for a number, a date, a place or a person the
clause of the best quote that holds it; otherwise the clause that says most of what was asked.
It is made of verbatim pieces of the quotes (whitespace folded), each followed by its source
number, and never repeats quote [1] whole.
"""

from __future__ import annotations

import re

from bot.answer import Quote
from bot.features import (
    CAUSE,
    DATE_WORDS,
    DIGITS,
    NEGATION,
    NUMBER_WORD,
    PLACE,
    ROLE_QUESTION,
    Question,
    answer_evidence,
    entities,
    entity_lists,
)
from index import tokenize

LEAD_CHARS = 180
JOINED = re.compile(r"\b(?:join(?:s|ed)?|signed|became (?:a|the \w+) member)\b")
MIN_CLAUSE_WORDS = 3
# Clause boundaries, coarse first: punctuation, then conjunctions and relative pronouns.
PUNCTUATION = re.compile(r"\s*[,;:—–]\s+|\s+[—–]\s*|(?<=[.!?])[\"”’]?\s+(?=[\"“‘]?[A-Z])")
CONJUNCTION = re.compile(r"\s+(?=(?:but|while|whereas|although|because|after|which|who|as|so)\s)")
TRAILING = " ,;:—–-"


def fold(text: str) -> str:
    """Runs of whitespace (hard line breaks included) as single spaces."""
    return " ".join(text.split())


def clauses(text: str) -> list[str]:
    """``text`` cut into clauses, coarsely (at punctuation) and then finely (at conjunctions);
    every piece is a verbatim substring of ``text``."""
    pieces = []
    for pattern in (PUNCTUATION, CONJUNCTION):
        for part in pattern.split(text):
            part = part.strip().strip(TRAILING).rstrip(".").strip()
            if len(part.split()) >= MIN_CLAUSE_WORDS and part != text.strip().rstrip("."):
                pieces.append(part)
    return list(dict.fromkeys(pieces))


def _best_clause(question: Question, text: str) -> str | None:
    """The clause of ``text`` holding the kind of answer asked for with the most question terms."""
    terms = set(question.terms)
    best, best_key = None, None
    for clause in clauses(text):
        held = answer_evidence(question, clause)
        if question.kind != "other" and held <= 0:
            continue
        overlap = len(terms & set(tokenize(clause)))
        key = (held > 0, overlap, -len(clause))
        if best_key is None or key > best_key:
            best, best_key = clause, key
    return best


def _clip(text: str, limit: int = LEAD_CHARS) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, marked with "…"."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(TRAILING)
    return f"{cut}…"


def _list_lead(question: Question, quotes: list[Quote]) -> str | None:
    runs, seen = [], set()
    for quote in quotes:
        found = [fold(r) for r in entity_lists(quote.text, question.words)]
        joined = JOINED.search(quote.text)
        if not found and joined:  # "Finland's parliament voted … to join": the one who joined
            found = [fold(n) for n in entities(quote.text[: joined.start()], question.words)[:1]]
        for run in found:
            names = frozenset(re.sub(r"[’']s$", "", n) for n in entities(run, question.words))
            if names and not names <= seen:
                seen |= names
                runs.append(f"{run} [{quote.n}]")
    return "; ".join(runs[:3]) or None


def _yes_no_lead(question: Question, text: str) -> str | None:
    """The clause that says yes or no (a negation, when there is one), with the question's
    subject before it when the clause leaves it out: "Poland … has not applied"."""
    said = [c for c in clauses(text) if NEGATION.search(c)]
    if not said:
        return _best_clause(question, text)
    clause = re.sub(r"^(?:but|and|while|although|yet)\s+", "", said[0])
    if not question.names:
        return clause
    found = re.search(re.escape(question.names[0]), text, flags=re.IGNORECASE)
    if found is None or found.group().lower() in clause.lower():
        return clause
    return f"{found.group()} … {clause}"


def _role_lead(question: Question, text: str) -> str | None:
    """ "Name, the title …": the question's name with the apposition that says who it is."""
    asked = ROLE_QUESTION.match(question.text)
    for name in question.names or ([asked.group("rest")] if asked else []):
        found = re.search(rf"{re.escape(name)}[’']?s?,\s+[^,.;]+", text, flags=re.IGNORECASE)
        if found:
            return found.group()
    return None


def _cause_lead(text: str) -> str | None:
    """The clause a cause marker opens: "because the islands lose most to the weather"."""
    found = CAUSE.search(text)
    if found is None:
        return None
    rest = re.split(r"[;:—–]|[.!?](?:\s|$)", text[found.start() :], maxsplit=1)[0]
    return rest.strip().strip(TRAILING + '"”’') or None


def lead_line(question: Question, quotes: list[Quote]) -> str:
    """One line answering the question, assembled only from the quotes' own words."""
    if question.kind == "list":
        lead = _list_lead(question, quotes)
        if lead:
            return _clip(lead, 2 * LEAD_CHARS)
    top = quotes[0]
    special = {"yesno": _yes_no_lead, "role": _role_lead}.get(question.kind)
    lead = special(question, top.text) if special else None
    if question.kind == "cause":
        lead = _cause_lead(top.text)
    if lead and fold(lead).rstrip(".") != fold(top.text).rstrip("."):
        return f"{_clip(fold(lead))} [{top.n}]"
    clause = _best_clause(question, top.text) or _around_evidence(question, top.text)
    return f"{_clip(fold(clause))} [{top.n}]"


EVIDENCE = {"amount": (DIGITS, NUMBER_WORD), "time": (DATE_WORDS,), "place": (PLACE,)}
WINDOW_BEFORE, WINDOW_AFTER = 7, 5  # words around the evidence in a one-clause sentence


def _around_evidence(question: Question, text: str) -> str:
    """For a sentence that is one long clause: the words around what answers (the number, the
    date, the place), or else its first half, with "…" where it is cut."""
    words = list(re.finditer(r"\S+", text))
    found = None
    for pattern in EVIDENCE.get(question.kind, ()):
        found = found or pattern.search(text)
    if found is None:
        middle = max(MIN_CLAUSE_WORDS, len(words) // 2)
        if middle >= len(words):  # too short to cut: the words themselves
            return text.strip().rstrip(".")
        return text[: words[middle - 1].end()] + "…"
    first = next(i for i, w in enumerate(words) if w.end() > found.start())
    lo, hi = max(0, first - WINDOW_BEFORE), min(len(words), first + WINDOW_AFTER)
    piece = text[words[lo].start() : words[hi - 1].end()].rstrip(TRAILING + ".")
    return ("…" if lo else "") + piece + ("…" if hi < len(words) else "")
