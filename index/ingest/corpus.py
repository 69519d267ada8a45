"""Writing added articles into a corpus folder: what the folder already holds (URLs, texts, ids),
a lock against concurrent writers, and each new file written to a hidden temporary file, read
back, and only then renamed into place."""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import os
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

from index.articles.frontmatter import to_markdown
from index.articles.model import Article, Draft
from index.articles.readers import SUPPORTED_SUFFIXES, corpus_files, read_article
from index.articles.slugs import file_slug, slugify
from index.errors import BadArticle, Rejected
from index.ingest.urls import normalize_url
from index.util import write_synced

log = logging.getLogger(__name__)

TMP_PREFIX = ".adding-"


def utc_stamp() -> str:
    """Now, as a UTC ISO 8601 timestamp to the second."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def file_stem(draft: Draft) -> str:
    """``<published or 'undated'>-<slug of the title>``: a new file's name, without a suffix."""
    return f"{draft.published or 'undated'}-{file_slug(draft.title)}"


def render(draft: Draft, fetched_at: str) -> str:
    """The Markdown file of a draft: its front matter plus ``fetched_at``, then its text."""
    return to_markdown({**draft.front_matter(), "fetched_at": fetched_at}, draft.text)


class KnownArticles:
    """The URLs, text hashes and ids of a corpus folder, re-read only for files that changed."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._files: dict[Path, tuple[tuple[int, int], Article | None]] = {}
        self.urls: dict[str, str] = {}
        self.hashes: dict[str, str] = {}
        self.ids: set[str] = set()

    def refresh(self) -> None:
        """Re-read files that are new or changed since the last refresh; forget deleted ones."""
        files: dict[Path, tuple[tuple[int, int], Article | None]] = {}
        for path in corpus_files(self.root):
            info = path.stat()
            stamp = (info.st_mtime_ns, info.st_size)
            cached = self._files.get(path)
            files[path] = cached if cached and cached[0] == stamp else (stamp, self._read(path))
        self._files = files
        self.urls, self.hashes, self.ids = {}, {}, set()
        for path, (_, article) in files.items():
            if article is not None:
                self.ids.add(article.id)
                self.hashes.setdefault(article.text_hash, str(path))
                if article.url:
                    self.urls.setdefault(normalize_url(article.url), str(path))

    def _read(self, path: Path) -> Article | None:
        try:
            return read_article(path, self.root)
        except BadArticle as exc:
            log.debug("not an article: %s", exc)
            return None

    def holding(self, urls: Sequence[str], text_hash: str | None = None) -> str | None:
        """The file that already holds one of these URLs or this text, or None."""
        for url in urls:
            found = self.urls.get(normalize_url(url))
            if found:
                return found
        return self.hashes.get(text_hash) if text_hash else None

    def name_taken(self, stem: str) -> bool:
        """Whether a file name stem (with any suffix) would clash with a file or an article id."""
        if slugify(stem) in self.ids:
            return True
        return any((self.root / f"{stem}{suffix}").exists() for suffix in SUPPORTED_SUFFIXES)


@contextmanager
def corpus_lock(root: Path) -> Iterator[None]:
    """Hold an exclusive lock on the corpus folder (two ``add`` runs never write the same file)."""
    fd = os.open(root, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def write_article(root: Path, draft: Draft, known: KnownArticles, fetched_at: str) -> Path:
    """Write ``draft`` to a new file in ``root`` atomically, after checking it reads back."""
    tmp = root / f"{TMP_PREFIX}{secrets.token_hex(8)}.md"
    try:
        write_synced(tmp, render(draft, fetched_at), exclusive=True)
        _check_reads_back(tmp, root, draft)
        final = _free_path(root, file_stem(draft), known)
        os.replace(tmp, final)
    except BaseException:
        with suppress(FileNotFoundError):
            tmp.unlink()
        raise
    return final


def _check_reads_back(path: Path, root: Path, draft: Draft) -> None:
    article = read_article(path, root)
    for name in ("title", "url", "text"):
        if getattr(article, name) != getattr(draft, name):
            raise Rejected(draft.url or draft.title, f"the written {name} does not read back")


def _free_path(root: Path, stem: str, known: KnownArticles) -> Path:
    candidate, n = stem, 1
    while known.name_taken(candidate):
        n += 1
        candidate = f"{stem}-{n}"
    return root / f"{candidate}.md"
