"""Sentence segmentation with exact offsets.

Every span this module returns is ``[start, end)`` of the article text it was given, trimmed to
whole words: a quote is always ``article_text[start:end]``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Words that end with a period without ending a sentence ("Dec. 11", "Mr. Putin", "Inc.").
ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof sr jr st mt inc ltd co corp plc vs etc approx no nos gen gov sen rep "
    "lt col sgt capt jan feb mar apr jun jul aug sep sept oct nov dec fig al dept est".split()
)
BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])")
LIST_MARKER = re.compile(r"\s*(?:[-*•]|\d+[.)])\s+")


@dataclass(frozen=True)
class Sentence:
    """A sentence of an article: ``text == article_text[start:end]``."""

    article_id: str
    start: int
    end: int
    text: str

    @property
    def is_heading(self) -> bool:
        """Markdown headings are structure, not quotable prose."""
        return self.text.startswith("#")


def _is_abbreviation(text: str, dot: int) -> bool:
    """Whether the period at ``text[dot]`` closes an abbreviation or initial, not a sentence."""
    word = re.search(r"([A-Za-z.]+)$", text[:dot])
    if word is None:
        return False
    token = word.group(1).rstrip(".").lower()
    last = token.rsplit(".", 1)[-1]
    return last in ABBREVIATIONS or len(last) == 1


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    marker = LIST_MARKER.match(text, start, end)
    if marker is not None:
        start = marker.end()
    return start, end


def split_sentences(
    article_id: str, text: str, lo: int = 0, hi: int | None = None
) -> list[Sentence]:
    """Sentences of ``text`` that overlap ``[lo, hi)``, each extended to its full extent.

    Lines (paragraphs, headings, list items) always end a sentence; inside a line a sentence ends
    at ``.``, ``!`` or ``?`` before a capital or digit, unless the period closes an abbreviation.
    """
    hi = len(text) if hi is None else hi
    line_start = text.rfind("\n", 0, lo) + 1
    line_end = text.find("\n", hi)
    line_end = len(text) if line_end < 0 else line_end
    sentences: list[Sentence] = []
    for line in re.finditer(r"[^\n]+", text[line_start:line_end]):
        base = line_start + line.start()
        cuts = [base]
        for match in BOUNDARY.finditer(line.group()):
            if match.group()[0] == "." and _is_abbreviation(line.group(), match.start()):
                continue
            cuts.append(base + match.end())
        cuts.append(base + len(line.group()))
        for start, end in zip(cuts, cuts[1:], strict=False):
            s, e = _trim(text, start, end)
            if e > s and e > lo and s < hi:
                sentences.append(Sentence(article_id, s, e, text[s:e]))
    return sentences
