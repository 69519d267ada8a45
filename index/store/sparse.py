"""BM25 as sparse vectors, for stores that score them themselves (Qdrant): each chunk's vector
holds, per term, BM25's term-frequency part ``tf / (tf + k1·(1 − b + b·len/avg_len))``; the
store multiplies it by the term's inverse document frequency ``ln(1 + (N − df + 0.5)/(df + 0.5))``
(Qdrant's IDF modifier), and a question's vector counts its terms. The sum is the same BM25
(Lucene variant, k1 = 1.5, b = 0.75) that the local store's bm25s index computes.

Terms are what :func:`index.store.lexical.tokenize` makes of a text (a text without any is one
empty term, as in the local index); each gets a number in a :class:`Vocabulary`, kept with its
document frequency.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from index.store.lexical import tokenize

K1 = 1.5  # bm25s's defaults
B = 0.75


@dataclass(frozen=True)
class SparseRow:
    """One sparse vector: term numbers, ascending, and their weights."""

    indices: list[int]
    values: list[float]


class Vocabulary:
    """Term → number (its position) and document frequency."""

    def __init__(self, terms: Sequence[str], frequencies: Sequence[int]) -> None:
        self.terms = list(terms)
        self.frequencies = list(frequencies)
        self.number = {term: i for i, term in enumerate(self.terms)}

    def __len__(self) -> int:
        return len(self.terms)

    def document_frequency(self, term: str) -> int:
        """Chunks holding ``term``; 0 when none does."""
        number = self.number.get(term)
        return 0 if number is None else self.frequencies[number]

    def query(self, text: str) -> SparseRow | None:
        """The sparse vector of a question: each known term's count; None without any."""
        counts = Counter(t for t in tokenize(text) if t in self.number)
        if not counts:
            return None
        numbers = sorted((self.number[t], float(c)) for t, c in counts.items())
        return SparseRow([i for i, _ in numbers], [v for _, v in numbers])


def chunk_tokens(texts: Iterable[str]) -> list[list[str]]:
    """The terms of each text, in order (one empty term for a text without any)."""
    return [tokenize(text) or [""] for text in texts]


def weigh(token_lists: Sequence[Sequence[str]]) -> tuple[Vocabulary, list[SparseRow]]:
    """The vocabulary of ``token_lists`` (terms in order of first use) and each text's sparse
    vector of BM25 term-frequency parts."""
    number: dict[str, int] = {}
    frequencies: list[int] = []
    counted = []
    for tokens in token_lists:
        counts = Counter(tokens)
        for term in counts:
            if term not in number:
                number[term] = len(frequencies)
                frequencies.append(0)
            frequencies[number[term]] += 1
        counted.append(counts)
    lengths = np.array([len(tokens) for tokens in token_lists], dtype=np.float64)
    average = float(lengths.mean()) if len(lengths) else 1.0
    rows = []
    for counts, length in zip(counted, lengths, strict=True):
        norm = K1 * ((1 - B) + B * length / average)
        pairs = sorted((number[term], tf / (tf + norm)) for term, tf in counts.items())
        rows.append(SparseRow([i for i, _ in pairs], [float(v) for _, v in pairs]))
    return Vocabulary(list(number), frequencies), rows
