"""Sentences as a reader sees them, with exact offsets into the article text.

A paragraph ends at a blank line. Inside a paragraph a single line break is a space when the text
runs on (hard-wrapped Markdown); it ends the line when the line is a heading, a list item or a
block quote, or a short unpunctuated line such as a title. Inside that, a sentence ends at ``.``,
``!`` or ``?`` before a capital or digit, unless the period closes an abbreviation ("Dec. 11",
"Mr.", "U.S. and"), an initial or a quotation that an attribution follows ("“Why?” she asked").

Every :class:`Sentence` is ``article_text[start:end]``, trimmed to whole words and without the
list or block-quote marker it opens with (a block quote's later lines keep their ``>``: a quote
is always one verbatim span), so a quote cut from it is always a verbatim span.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Periods after these never end a sentence: titles and month names precede what they qualify.
TITLES = frozenset(
    "mr mrs ms dr prof sr jr st mt gen gov sen rep lt col sgt capt cmdr adm rev hon pres supt "
    "no nos fig vol art sec ch pp op jan feb mar apr jun jul aug sep sept oct nov dec".split()
)
# Periods after these end a sentence only when a typical sentence opening follows.
ENDINGS = frozenset("inc ltd co corp plc llc bros etc al approx est dept vs".split())
OPENERS = frozenset(
    "the a an it its he his she her they their them we our i this that these those there here "
    "but and or so yet still however meanwhile instead also then now in on at by for from with "
    "after before as when while if although though since because some many most several other "
    "others one two three both each all no officials critics analysts".split()
)
SPEECH_AFTER_QUOTE = re.compile(
    r"\s+(?:[A-Z][\w’'.-]*\s+){0,3}(?:said|says|asked|asks|added|adds|told|tells|wrote|writes|"
    r"replied|replies|argued|argues|warned|warns)\b"
)
BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9À-ÖØ-Þ])")
CLOSING_QUOTES = "\"'”’"
HEADING = re.compile(r"#{1,6}\s")
LIST_ITEM = re.compile(r"(?:[-*+•]|\d{1,3}[.)])\s+")
BLOCK_QUOTE = re.compile(r">\s?")
LINE_END_PUNCTUATION = tuple(".!?:;…\"'”’)")
MIN_RUN_ON_CHARS = 40  # a shorter unpunctuated line followed by a capital is a line of its own
RUN_ON_SHARE = 0.6  # ... as is one much shorter than the paragraph's longest line


@dataclass(frozen=True)
class Sentence:
    """A sentence of an article: ``text == article_text[start:end]``.

    ``paragraph`` is the offset where its paragraph starts and ``unit`` where the run of text it
    belongs to starts (a paragraph's prose, one list item, …); ``kind`` is ``"prose"``,
    ``"heading"``, ``"item"`` (a list item) or ``"quote"`` (a block quote).
    """

    article_id: str
    start: int
    end: int
    text: str
    paragraph: int = 0
    kind: str = "prose"
    unit: int = 0

    @property
    def is_heading(self) -> bool:
        """Headings are structure, not quotable prose."""
        return self.kind == "heading"


@dataclass(frozen=True)
class _Unit:
    """A run of text that sentences never cross: a paragraph's prose, a heading, an item, a
    block quote. ``start``/``end`` exclude the line's marker."""

    start: int
    end: int
    kind: str
    paragraph: int


def _line_kind(line: str) -> tuple[str, int]:
    """The structural kind of a line and the length of its marker."""
    stripped = line.lstrip()
    indent = len(line) - len(stripped)
    for kind, pattern in (("heading", HEADING), ("item", LIST_ITEM), ("quote", BLOCK_QUOTE)):
        match = pattern.match(stripped)
        if match is not None:
            return kind, indent + (0 if kind == "heading" else match.end())
    return "prose", 0


def _runs_on(line: str, following: str, longest: int) -> bool:
    """Whether a line break between two lines of prose is only a hard wrap (a space)."""
    line = line.rstrip()
    if not line or line.endswith(LINE_END_PUNCTUATION):
        return True  # the sentence rules below decide, treating the break as a space
    first = following.lstrip()[:1]
    if first.islower() or not first.isalnum():
        return True
    return len(line) >= max(MIN_RUN_ON_CHARS, RUN_ON_SHARE * longest)


def _paragraph_units(text: str, lo: int, hi: int) -> list[_Unit]:
    """The units of the paragraph ``text[lo:hi]`` (no blank lines inside)."""
    lines = [(m.start() + lo, m.group()) for m in re.finditer(r"[^\n]+", text[lo:hi])]
    longest = max((len(line.strip()) for _, line in lines), default=0)
    units: list[_Unit] = []
    open_unit: list | None = None  # [start, end, kind]
    for i, (offset, line) in enumerate(lines):
        kind, marker = _line_kind(line)
        continues = (
            open_unit is not None
            and kind == "prose"
            and open_unit[2] != "heading"
            and _runs_on(lines[i - 1][1], line, longest)
        ) or (open_unit is not None and kind == "quote" and open_unit[2] == "quote")
        if continues:
            open_unit[1] = offset + len(line)
            continue
        if open_unit is not None:
            units.append(_Unit(open_unit[0], open_unit[1], open_unit[2], lo))
        open_unit = [offset + marker, offset + len(line), kind]
    if open_unit is not None:
        units.append(_Unit(open_unit[0], open_unit[1], open_unit[2], lo))
    return units


def paragraphs(text: str) -> list[tuple[int, int]]:
    """``[start, end)`` of each paragraph: runs of text between blank lines."""
    spans = []
    for match in re.finditer(r"\S(?:.|\n(?![ \t]*\n))*", text):
        spans.append((match.start(), match.end()))
    return spans


def _is_abbreviation(text: str, dot: int, after: str) -> bool:
    """Whether the period at ``text[dot]`` closes an abbreviation or initial, not a sentence;
    ``after`` is the word that follows."""
    word = re.search(r"([A-Za-z.]+)$", text[:dot])
    if word is None:
        return False
    written = word.group(1).rstrip(".")
    token = written.lower()
    last = token.rsplit(".", 1)[-1]
    capital = written.rsplit(".", 1)[-1][:1].isupper()
    opener = after.lower() in OPENERS
    if last in TITLES and capital:  # "Gen.", "No. 2", "Dec. 11", not "said no."
        return True
    if last in ENDINGS:
        return not opener
    if "." in token and all(len(part) == 1 for part in token.split(".")):
        return not opener  # an initialism such as U.S. or U.K.
    # An initial ("John F. Kennedy"), unless a sentence plainly starts after it ("Plan B. The").
    return len(last) == 1 and capital and not opener


def _cuts(text: str, start: int, end: int) -> list[int]:
    """Offsets inside ``text[start:end]`` where a sentence ends."""
    cuts = []
    segment = text[start:end]
    for match in BOUNDARY.finditer(segment):
        rest = segment[match.end() :]
        after = re.match(r"\s+[\"'“‘(\[]?([\w’'-]+)", rest)
        following = after.group(1) if after else ""
        if match.group()[0] == "." and _is_abbreviation(segment, match.start(), following):
            continue
        if match.group()[-1] in CLOSING_QUOTES and SPEECH_AFTER_QUOTE.match(rest):
            continue
        cuts.append(start + match.end())
    return cuts


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def split_sentences(
    article_id: str, text: str, lo: int = 0, hi: int | None = None
) -> list[Sentence]:
    """Sentences of ``text`` that overlap ``[lo, hi)``, each extended to its full extent (the
    paragraphs around the range are read whole)."""
    hi = len(text) if hi is None else hi
    sentences: list[Sentence] = []
    for p_start, p_end in paragraphs(text):
        if p_end <= lo or p_start >= max(hi, lo + 1):
            continue
        for unit in _paragraph_units(text, p_start, p_end):
            bounds = [unit.start, *_cuts(text, unit.start, unit.end), unit.end]
            for s, e in zip(bounds, bounds[1:], strict=False):
                s, e = _trim(text, s, e)
                if e > s and e > lo and s < hi:
                    sentences.append(
                        Sentence(article_id, s, e, text[s:e], unit.paragraph, unit.kind, unit.start)
                    )
    return sentences
