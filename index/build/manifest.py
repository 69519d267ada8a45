"""The manifest of a build (``manifest.json``): what it was built from and with.

The JSON keys are the on-disk format (``FORMAT_VERSION``); :class:`Manifest` reads and writes
them, and :meth:`Manifest.check` refuses a build made with other settings than the current ones.
Format 2 added the size and sha256 of every file of the build (``files``), the FAISS index's
parameters and the store; a format 1 build is refused with "run `geoqa index build`".
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from index.errors import IndexDamaged, IndexMismatch

FORMAT_VERSION = 2


@dataclass(frozen=True)
class Manifest:
    """A build's description: model, dimension, chunking, FAISS kind and parameters, lexical
    tokenizer, corpus fingerprint, counts, outlets, newest article, build time, package versions,
    the store it lives in and (local store) each file's size and checksum."""

    format: int | None = None  # every field has a default, so any format's file is readable
    model: str = ""
    dim: int = 0
    chunking: dict = field(default_factory=dict)
    corpus_fingerprint: str = ""
    articles: int = 0
    chunks: int = 0
    built_at: str = ""
    faiss: str = "flat"
    lexical: dict = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    newest_published: str | None = None
    versions: dict[str, str] = field(default_factory=dict)
    faiss_params: dict = field(default_factory=dict)
    store: str = "local"
    files: dict[str, dict] = field(default_factory=dict)  # name → {"bytes": n, "sha256": hex}

    @classmethod
    def from_json(cls, data: dict) -> Manifest:
        """A manifest from its JSON object (keys unknown to this version are ignored)."""
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        return cls(**known)

    @classmethod
    def read(cls, path: Path) -> Manifest:
        """The manifest stored at ``path``; :class:`IndexDamaged` when it is not a manifest."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
            return cls.from_json(data)
        except FileNotFoundError:
            raise IndexDamaged(path, "is missing") from None
        except (OSError, ValueError, TypeError) as exc:
            raise IndexDamaged(path, f"cannot be read ({exc})") from None

    def to_json(self) -> dict:
        """The JSON object written to ``manifest.json``."""
        return asdict(self)

    def dumps(self) -> str:
        """The text of ``manifest.json``."""
        return json.dumps(self.to_json(), indent=2, sort_keys=True)

    def same_cut(self, model_id: str, chunking: dict) -> bool:
        """Whether this build was cut like a new one would be: same format, model (whose
        tokenizer measures the chunks) and chunking settings."""
        return (self.format, self.model, self.chunking) == (FORMAT_VERSION, model_id, chunking)

    def check(
        self,
        index_dir: Path,
        model_id: str | None,
        chunking: dict | None,
        tokenizer: str | None = None,
    ) -> None:
        """Raise :class:`IndexMismatch` unless this build fits this version and these settings
        (``tokenizer``: the lexical tokenizer version the searcher uses)."""
        if self.format != FORMAT_VERSION:
            raise IndexMismatch(index_dir, f"has format {self.format}, not {FORMAT_VERSION}")
        built = self.lexical.get("tokenizer")
        if tokenizer is not None and built != tokenizer:
            raise IndexMismatch(index_dir, f"has lexical tokenizer {built}, not {tokenizer}")
        if model_id is not None and self.model != model_id:
            raise IndexMismatch(index_dir, f"was built with model {self.model!r}, not {model_id!r}")
        if chunking is not None and self.chunking != chunking:
            raise IndexMismatch(
                index_dir, f"was built with chunking {self.chunking}, not {chunking}"
            )
