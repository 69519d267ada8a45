"""The article record family: what is known about an article (:class:`Metadata`), an article
about to be written (:class:`Draft`), an article read from the corpus (:class:`Article`) and an
indexed article without its text (:class:`ArticleInfo`)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field


@dataclass(frozen=True, kw_only=True)
class Metadata:
    """An article's metadata: the fields of its front matter besides ``id``."""

    title: str
    source: str | None = None  # the outlet
    author: str | None = None
    published: str | None = None  # ISO date, YYYY-MM-DD
    url: str | None = None
    tags: tuple[str, ...] = ()

    def front_matter(self) -> dict:
        """The metadata as front matter fields, in their written order (tags as a list)."""
        return {
            "title": self.title,
            "source": self.source,
            "author": self.author,
            "published": self.published,
            "url": self.url,
            "tags": list(self.tags),
        }


@dataclass(frozen=True, kw_only=True)
class Draft(Metadata):
    """An article's metadata and text, before it has a file and an id (extracted from a page,
    or about to be written to the corpus)."""

    text: str

    @property
    def text_hash(self) -> str:
        """sha256 of the text alone: two files with the same text are the same article."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, kw_only=True)
class Article(Draft):
    """One news article of the corpus: the exact text that quotes are cut from, its metadata,
    its id and the file it was read from."""

    id: str
    path: str = ""

    @property
    def fingerprint(self) -> str:
        """sha256 of everything indexed about the article (text and metadata)."""
        meta = [self.id, self.title, self.source, self.author, self.published, self.url]
        payload = json.dumps([meta, list(self.tags), self.text], ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True, kw_only=True)
class ArticleInfo(Metadata):
    """An indexed article without its text (read on demand): its row ``idx`` in the index,
    its id and the file it was read from."""

    idx: int
    id: str
    path: str


@dataclass(frozen=True)
class Skipped:
    """A file that was not indexed, and why."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass
class Corpus:
    """The articles read from a folder, and the files skipped on the way."""

    articles: list[Article] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
