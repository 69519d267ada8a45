"""Links to the exact passage: an article URL with a text fragment (``#:~:text=start,end``, the
WICG "URL Fragment Text Directives" spec) that makes a browser scroll to and highlight a quote.

The quote is anchored on its first and last few words (the whole quote when it is short). Terms
are percent-encoded as the spec asks: everything but unreserved ASCII is encoded, and ``-``,
``&`` and ``,`` (the directive's own syntax) are encoded too. A browser only finds a fragment in
the page's rendered text, so words carrying markup that a page would not show (``*bold*``,
``[links](…)``, ``#`` headings, backticks, table bars) are never used as anchors; a quote with no
run of plain words to anchor on gets the plain URL.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from bot.answer import Answer, Quote, Source

ANCHOR_WORDS = 4  # words in each of textStart and textEnd
WHOLE_QUOTE_WORDS = 2 * ANCHOR_WORDS  # a quote this short is one term: textStart alone
MIN_RUN = 3  # a shorter run of plain words is not a stable anchor (unless it is the whole quote)
MARKUP = re.compile(r"[*_`#|<>\[\]{}\\~=^]|https?://")
DIRECTIVE = ":~:text="


def _stable(word: str) -> bool:
    """A word the rendered page shows as written: no markup characters."""
    return not MARKUP.search(word)


def _has_word(word: str) -> bool:
    return any(c.isalnum() for c in word)


def _runs(words: list[str]) -> list[list[str]]:
    """Maximal runs of consecutive stable words, in order."""
    runs: list[list[str]] = [[]]
    for word in words:
        if _stable(word):
            runs[-1].append(word)
        elif runs[-1]:
            runs.append([])
    return [run for run in runs if run]


def encode_term(term: str) -> str:
    """Percent-encode one text-directive term (UTF-8; ``-``, ``&`` and ``,`` included)."""
    return quote(term, safe="").replace("-", "%2D")


def anchor_terms(quote_text: str) -> tuple[str, ...]:
    """The directive's terms for a quote: ``(start,)`` for a short quote, ``(start, end)`` for a
    long one, ``()`` when it has no run of plain words to anchor on."""
    words = quote_text.split()
    runs = _runs(words)
    whole = len(runs) == 1 and len(runs[0]) == len(words) and any(_has_word(w) for w in words)
    if whole and len(words) <= WHOLE_QUOTE_WORDS:
        return (" ".join(words),)  # the whole quote is plain and short
    runs = [run for run in runs if len(run) >= MIN_RUN and any(_has_word(w) for w in run)]
    if not runs:
        return ()
    first, last = runs[0], runs[-1]
    if first is last and len(first) <= WHOLE_QUOTE_WORDS:
        return (" ".join(first),)
    return (" ".join(first[:ANCHOR_WORDS]), " ".join(last[-ANCHOR_WORDS:]))


def passage_url(url: str | None, quote_text: str) -> str | None:
    """``url`` opening at ``quote_text`` (a text fragment), or ``url`` itself when the quote has
    no stable words to anchor on. An existing ``#fragment`` is kept before the directive."""
    if not url:
        return url
    terms = anchor_terms(quote_text)
    if not terms:
        return url
    directive = DIRECTIVE + ",".join(encode_term(t) for t in terms)
    return f"{url}{directive}" if "#" in url else f"{url}#{directive}"


def quote_link(answer: Answer, quote: Quote) -> str | None:
    """The link to one quote's passage in its article (None when the article has no URL)."""
    return passage_url(answer.source(quote.n).url, quote.text)


def source_link(answer: Answer, source: Source) -> str | None:
    """A source's link: at the passage of its first (best) quote, else the plain article URL."""
    quote = next((q for q in answer.quotes if q.n == source.n), None)
    return source.url if quote is None else passage_url(source.url, quote.text)
