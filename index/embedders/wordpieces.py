"""Measuring texts in a model's word pieces with the ``tokenizers`` library alone (no
transformers, no torch): a ``tokenizer.json`` called like a Hugging Face tokenizer, which is all
the chunker needs."""

from __future__ import annotations

from pathlib import Path


class WordPieces:
    """``tokenizer(text, add_special_tokens=...)["input_ids"]`` over a ``tokenizer.json``, never
    truncating or padding (measuring a whole article is deliberate); safe to share between
    threads."""

    def __init__(self, path: str | Path) -> None:
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(path))
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()

    def __call__(self, text: str, add_special_tokens: bool = True, **_options) -> dict:
        """``{"input_ids": [...]}`` of ``text``; other Hugging Face options are ignored."""
        encoded = self._tokenizer.encode(text, add_special_tokens=add_special_tokens)
        return {"input_ids": encoded.ids}
