"""The embedder interface the rest of geoqa types against."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class Embedder(Protocol):
    """A text embedding model: normalized float32 vectors, and the tokenizer that measures
    chunks. ``model_id`` names the vectors: an index and the embedding cache never mix two."""

    model_id: str

    @property
    def dim(self) -> int:
        """Vector dimension."""
        ...

    @property
    def tokenizer(self) -> Any:
        """A Hugging Face style tokenizer: ``tokenizer(text, add_special_tokens=...,
        verbose=...)["input_ids"]`` (chunk sizes are measured with it)."""
        ...

    @property
    def max_tokens(self) -> int:
        """The longest input the model reads, in word pieces (special tokens included)."""
        ...

    def count_tokens(self, text: str) -> int:
        """Word pieces in ``text`` including the special tokens the model adds."""
        ...

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts as normalized float32 rows, in input order."""
        ...

    def encode_query(self, text: str) -> np.ndarray:
        """Embed one question (recent questions may be remembered)."""
        ...
