"""Reading article files: Markdown with YAML front matter, plain text and HTML.

Each reader returns an :class:`~index.articles.model.Article` or raises
:class:`~index.errors.BadArticle` naming the file and the reason. :func:`load_corpus` reads a
whole folder, keeps going past bad files and reports them as skipped.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path

from index.articles.frontmatter import article_from, split_front_matter
from index.articles.html import extract_html
from index.articles.model import Article, Corpus, Skipped
from index.articles.slugs import slugify
from index.errors import BadArticle, ConfigError

log = logging.getLogger(__name__)

MARKDOWN_SUFFIXES = (".md", ".markdown")
TEXT_SUFFIXES = (".txt",)
HTML_SUFFIXES = (".html", ".htm")
SUPPORTED_SUFFIXES = MARKDOWN_SUFFIXES + TEXT_SUFFIXES + HTML_SUFFIXES


def decode(path: Path, data: bytes) -> str:
    """Decode UTF-8 (with or without BOM), rejecting empty, binary or undecodable files."""
    if not data.strip():
        raise BadArticle(path, "file is empty")
    if b"\x00" in data:
        raise BadArticle(path, "binary file (contains NUL bytes), not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 1].hex()
        raise BadArticle(path, f"not valid UTF-8 (byte 0x{bad} at offset {exc.start})") from None
    return normal_newlines(text)


def normal_newlines(text: str) -> str:
    """``text`` with ``\\r\\n`` and ``\\r`` line ends made ``\\n``."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_markdown(path: Path, text: str, article_id: str) -> Article:
    """Markdown with optional YAML front matter; without a title field the first heading is used."""
    meta, body = split_front_matter(text, path)
    if not meta.get("title"):
        heading = re.match(r"\s*#\s+(.+)\n", body)
        if heading:
            meta = {**meta, "title": heading.group(1).strip()}
            body = body[heading.end() :]
    return article_from(path, article_id, meta, body)


def read_text(path: Path, text: str, article_id: str) -> Article:
    """Plain text: the first non-empty line is the title, the rest the article."""
    stripped = text.strip()
    title, _, body = stripped.partition("\n")
    if not body.strip():
        raise BadArticle(path, "no article text after the title line")
    return article_from(path, article_id, {"title": title.strip()}, body)


def read_html(path: Path, text: str, article_id: str) -> Article:
    """HTML: main text and metadata extracted with trafilatura (navigation and ads dropped)."""
    page = extract_html(text)
    if page is None:
        raise BadArticle(path, "no article text found in the HTML")
    return article_from(path, article_id, page.front_matter(), page.text)


READERS: dict[str, Callable[[Path, str, str], Article]] = {
    **{s: read_markdown for s in MARKDOWN_SUFFIXES},
    **{s: read_text for s in TEXT_SUFFIXES},
    **{s: read_html for s in HTML_SUFFIXES},
}


def read_article(path: Path, root: Path | None = None) -> Article:
    """Read one article file; its id is its path under ``root`` without the extension."""
    suffix = path.suffix.lower()
    reader = READERS.get(suffix)
    if reader is None:
        kinds = ", ".join(SUPPORTED_SUFFIXES)
        raise BadArticle(path, f"unsupported file type {suffix or '(none)'!r} (expected {kinds})")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadArticle(path, f"cannot read: {exc.strerror}") from None
    relative = path.relative_to(root) if root is not None else Path(path.name)
    return reader(path, decode(path, data), slugify(str(relative.with_suffix(""))))


def corpus_files(root: Path) -> list[Path]:
    """Every non-hidden file under ``root``, in a stable order."""
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )


def load_corpus(root: Path) -> Corpus:
    """Read every article under ``root``; bad files and duplicates are skipped with a reason."""
    corpus = Corpus()
    if not root.is_dir():
        raise ConfigError(f"corpus folder {root} does not exist")
    seen: dict[str, str] = {}
    for path in corpus_files(root):
        try:
            article = read_article(path, root)
        except BadArticle as exc:
            corpus.skipped.append(Skipped(str(path), exc.reason))
            log.info("skipped %s", exc)
            continue
        keys = [("id", article.id), ("text", article.text_hash)]
        if article.url:
            keys.append(("url", article.url))
        first = next((seen[f"{k}:{v}"] for k, v in keys if f"{k}:{v}" in seen), None)
        if first is not None:
            corpus.skipped.append(Skipped(str(path), f"duplicate of {first}"))
            log.info("skipped %s: duplicate of %s", path, first)
            continue
        for k, v in keys:
            seen[f"{k}:{v}"] = str(path)
        corpus.articles.append(article)
    return corpus
