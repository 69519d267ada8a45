"""The lexical half of hybrid search: BM25 (bm25s) over stemmed words, numbers kept whole.

Numbers such as ``11.2`` stay one token, so "11.2 trillion" is found exactly; names and
acronyms such as "BRICS" are matched even where an embedding blurs them.
"""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path

import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN

# bm25s sets its own logger to DEBUG on import; put it back to the default threshold.
logging.getLogger("bm25s").setLevel(logging.WARNING)

TOKENIZER_VERSION = "geoqa-words-v2"
TOKEN_RE = re.compile(r"\d+(?:[.,]\d+)*|[^\W_]+")
STOPWORDS = frozenset(STOPWORDS_EN) | frozenset(
    "s t who whom what which when where why how does do did has have had were would could should "
    "may might shall must been being am i me my we our you your us".split()
)
# One spelling for the country names people abbreviate: "US", "U.S." and "United States" are the
# same word to BM25. Bare "US"/"UK"/"EU" count only in capitals ("us" is a pronoun).
ALIASES = (
    (
        re.compile(
            r"(?<![\w.])(?:(?i:u\.\s?s\.(?:\s?a\.)?)|US|USA|(?i:united\s+states(?:\s+of\s+america)?))"
            r"(?![\w]|\.\w)"
        ),
        " unitedstates ",
    ),
    (
        re.compile(r"(?<![\w.])(?:(?i:u\.\s?k\.)|UK|(?i:united\s+kingdom))(?![\w]|\.\w)"),
        " unitedkingdom ",
    ),
    (
        re.compile(r"(?<![\w.])(?:(?i:e\.\s?u\.)|EU|(?i:european\s+union))(?![\w]|\.\w)"),
        " europeanunion ",
    ),
)


def normalize_aliases(text: str) -> str:
    """``text`` with each spelling of the United States, United Kingdom and European Union
    replaced by one token-like word."""
    for pattern, replacement in ALIASES:
        text = pattern.sub(replacement, text)
    return text


_local = threading.local()


def _stemmer() -> Stemmer.Stemmer:
    """This thread's stemmer: a PyStemmer object keeps state and must not be shared by threads
    (the Discord bot answers in worker threads and syncs in another)."""
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = Stemmer.Stemmer("english")
    return stemmer


def tokenize(text: str) -> list[str]:
    """Lowercased, stemmed words and whole numbers, without English stopwords."""
    words = [w for w in TOKEN_RE.findall(normalize_aliases(text).lower()) if w not in STOPWORDS]
    return _stemmer().stemWords(words)


class LexicalIndex:
    """BM25 scores over the chunk texts; rows are the same as the FAISS ids."""

    def __init__(self, bm25: bm25s.BM25) -> None:
        self._bm25 = bm25
        self._vocab = bm25.vocab_dict

    @classmethod
    def build(cls, texts: list[str]) -> LexicalIndex:
        """Index ``texts`` (one per chunk, in row order)."""
        bm25 = bm25s.BM25()
        corpus = [tokenize(t) or [""] for t in texts]
        bm25.index(corpus, show_progress=False)
        return cls(bm25)

    def save(self, folder: Path) -> None:
        """Write the index files into ``folder``."""
        self._bm25.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        """Read an index written by :meth:`save`."""
        return cls(bm25s.BM25.load(str(folder), show_progress=False))

    @property
    def num_docs(self) -> int:
        """Number of rows (chunks) indexed."""
        return int(self._bm25.scores["num_docs"])

    def document_frequency(self, term: str) -> int:
        """How many rows contain ``term`` (a token as :func:`tokenize` makes it); 0 if none."""
        return len(self.rows_with(term))

    def rows_with(self, term: str) -> np.ndarray:
        """The rows that contain ``term`` (a token as :func:`tokenize` makes it)."""
        token = self._vocab.get(term)
        indptr = self._bm25.scores["indptr"]
        if token is None or token + 1 >= len(indptr):  # bm25s's empty term has no column
            return np.zeros(0, dtype=np.int64)
        return np.asarray(self._bm25.scores["indices"][indptr[token] : indptr[token + 1]])

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every row for ``query`` (zeros where nothing matches)."""
        tokens = [t for t in tokenize(query) if t in self._vocab]
        n = self._bm25.scores["num_docs"]
        if not tokens:
            return np.zeros(n, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)

    def top(self, query: str, n: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The best ``n`` rows with a positive score; ``allowed`` is a boolean row mask."""
        scores = self.scores(query)
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        n = min(n, len(scores))
        if n <= 0:
            return []
        best = np.argpartition(-scores, n - 1)[:n]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(int(r), float(scores[r])) for r in best if scores[r] > 0]
