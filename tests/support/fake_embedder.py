"""A small deterministic embedder for tests that are not about embeddings or answer quality:
a real implementation of the :class:`~index.embedders.protocol.Embedder` protocol, with no model
to load. A text's vector is its hashed bag of words, normalized; its tokens are its words."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

DIM = 64
VOCABULARY = 30_000
CLS, SEP = 101, 102  # the special tokens a BERT tokenizer adds around a text


def _hash(word: str) -> int:
    """A hash of ``word`` that is the same in every process (``hash()`` is salted)."""
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "big")


class FakeTokenizer:
    """Whitespace-separated words as tokens, called like a Hugging Face tokenizer."""

    def __call__(self, text: str, add_special_tokens: bool = True, **_options) -> dict:
        ids = [_hash(word) % VOCABULARY for word in text.split()]
        if add_special_tokens:
            ids = [CLS, *ids, SEP]
        return {"input_ids": ids}


class FakeEmbedder:
    """Hashed bag-of-words vectors: texts sharing words are close, the same text always gets
    the same vector, and nothing is loaded."""

    model_id = f"fake/hashed-words-{DIM}"
    dim = DIM
    max_tokens = 256
    tokenizer = FakeTokenizer()  # stateless: one for every instance

    def count_tokens(self, text: str) -> int:
        """Words in ``text`` plus the two special tokens."""
        return len(self.tokenizer(text)["input_ids"])

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One normalized float32 row per text."""
        vectors = np.zeros((len(texts), DIM), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                h = _hash(word)
                vectors[row, h % DIM] += 1.0 if h & (1 << 40) else -1.0
            norm = np.linalg.norm(vectors[row])
            if norm:
                vectors[row] /= norm
            else:
                vectors[row, 0] = 1.0
        return vectors

    def encode_query(self, text: str) -> np.ndarray:
        """The vector of one question."""
        return self.encode([text])[0]
