"""Reading article files: Markdown with YAML front matter, plain text and HTML.

Each reader returns an :class:`Article` or raises :class:`~index.errors.BadArticle` naming the file
and the reason. :func:`load_corpus` reads a whole folder, keeps going past bad files and reports
them as skipped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from index.errors import BadArticle, ConfigError

log = logging.getLogger(__name__)

# libyaml's safe loader when PyYAML was built with it (several times faster), else pure Python.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MARKDOWN_SUFFIXES = (".md", ".markdown")
TEXT_SUFFIXES = (".txt",)
HTML_SUFFIXES = (".html", ".htm")
SUPPORTED_SUFFIXES = MARKDOWN_SUFFIXES + TEXT_SUFFIXES + HTML_SUFFIXES
FRONT_MATTER_FIELDS = ("id", "title", "source", "author", "published", "url", "tags", "fetched_at")


@dataclass(frozen=True)
class Article:
    """One news article: its metadata and the exact text that quotes are cut from."""

    id: str
    title: str
    text: str
    source: str | None = None
    author: str | None = None
    published: str | None = None  # ISO date, YYYY-MM-DD
    url: str | None = None
    tags: tuple[str, ...] = ()
    path: str = ""

    @property
    def text_hash(self) -> str:
        """sha256 of the text alone: two files with the same text are the same article."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def fingerprint(self) -> str:
        """sha256 of everything indexed about the article (text and metadata)."""
        meta = [self.id, self.title, self.source, self.author, self.published, self.url]
        payload = json.dumps([meta, list(self.tags), self.text], ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


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


def slugify(value: str) -> str:
    """A lowercase, dash-separated id made of letters, digits, dots and slashes."""
    slug = re.sub(r"[^\w./-]+", "-", value.lower(), flags=re.ASCII).strip("-")
    return re.sub(r"-{2,}", "-", slug)


def parse_date(value: object, path: Path, field_name: str = "published") -> str | None:
    """Normalize a date from front matter or metadata to ``YYYY-MM-DD``."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        raise BadArticle(path, f"{field_name}: {text!r} is not a date (use YYYY-MM-DD)") from None


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
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _optional_str(meta: dict, key: str, path: Path) -> str | None:
    value = meta.get(key)
    if value is None:
        return None
    if isinstance(value, dict | list):
        raise BadArticle(path, f"front matter: {key} must be text")
    return str(value).strip() or None


def _tags(value: object, path: Path) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(t.strip() for t in value.split(",") if t.strip())
    if isinstance(value, list):
        return tuple(str(t).strip() for t in value if str(t).strip())
    raise BadArticle(path, "front matter: tags must be a list")


def split_front_matter(text: str, path: Path) -> tuple[dict, str]:
    """Split ``---``-delimited YAML front matter from the Markdown body."""
    if not text.startswith("---\n"):
        return {}, text
    end = re.search(r"^---[ \t]*$", text[4:], flags=re.MULTILINE)
    if end is None:
        raise BadArticle(path, "front matter: opening '---' has no closing '---'")
    raw, body = text[4 : 4 + end.start()], text[4 + end.end() :]
    try:
        meta = yaml.load(raw, Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        raise BadArticle(path, f"front matter: invalid YAML{where}") from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise BadArticle(path, "front matter: expected 'key: value' lines")
    return meta, body


def _article_from(path: Path, article_id: str, meta: dict, body: str) -> Article:
    text = body.strip()
    if not text:
        raise BadArticle(path, "no article text")
    title = _optional_str(meta, "title", path)
    if not title:
        raise BadArticle(path, "missing title")
    return Article(
        id=slugify(str(meta.get("id") or article_id)),
        title=title,
        text=text,
        source=_optional_str(meta, "source", path),
        author=_optional_str(meta, "author", path),
        published=parse_date(meta.get("published"), path),
        url=_optional_str(meta, "url", path),
        tags=_tags(meta.get("tags"), path),
        path=str(path),
    )


def read_markdown(path: Path, text: str, article_id: str) -> Article:
    """Markdown with optional YAML front matter; without a title field the first heading is used."""
    meta, body = split_front_matter(text, path)
    if not meta.get("title"):
        heading = re.match(r"\s*#\s+(.+)\n", body)
        if heading:
            meta = {**meta, "title": heading.group(1).strip()}
            body = body[heading.end() :]
    return _article_from(path, article_id, meta, body)


def read_text(path: Path, text: str, article_id: str) -> Article:
    """Plain text: the first non-empty line is the title, the rest the article."""
    stripped = text.strip()
    title, _, body = stripped.partition("\n")
    if not body.strip():
        raise BadArticle(path, "no article text after the title line")
    return _article_from(path, article_id, {"title": title.strip()}, body)


@dataclass(frozen=True)
class HtmlPage:
    """What trafilatura found in an HTML page: the main text and the page's metadata."""

    text: str
    title: str | None = None
    source: str | None = None  # the outlet: site name, else host name
    author: str | None = None
    published: str | None = None  # as found, normally YYYY-MM-DD
    url: str | None = None  # canonical URL, else the URL the page was fetched from
    tags: tuple[str, ...] = ()

    def front_matter(self) -> dict:
        """The metadata as front matter fields (the form :func:`_article_from` reads)."""
        return {
            "title": self.title,
            "source": self.source,
            "author": self.author,
            "published": self.published,
            "url": self.url,
            "tags": list(self.tags) or None,
        }


def extract_html(html: str, url: str | None = None) -> HtmlPage | None:
    """Main text and metadata of an HTML page (navigation, ads and comments dropped), or None
    when trafilatura finds no text. ``url`` is where the page came from, if known."""
    import trafilatura  # imported here: costly, and only HTML needs it

    extracted = trafilatura.extract(
        html, url=url, output_format="json", with_metadata=True, include_comments=False
    )
    if not extracted:
        return None
    doc = json.loads(extracted)
    return HtmlPage(
        text=doc.get("text") or "",
        title=doc.get("title") or None,
        source=doc.get("source-hostname") or doc.get("sitename") or doc.get("hostname") or None,
        author=doc.get("author") or None,
        published=doc.get("date") or None,
        url=doc.get("source") or doc.get("url") or None,
        tags=tuple(t.strip() for t in (doc.get("tags") or "").split(",") if t.strip()),
    )


def read_html(path: Path, text: str, article_id: str) -> Article:
    """HTML: main text and metadata extracted with trafilatura (navigation and ads dropped)."""
    page = extract_html(text)
    if page is None:
        raise BadArticle(path, "no article text found in the HTML")
    return _article_from(path, article_id, page.front_matter(), page.text)


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
