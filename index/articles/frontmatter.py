"""Front matter: YAML between ``---`` lines at the top of a Markdown article, read into an
:class:`~index.articles.model.Article` (every problem a :class:`~index.errors.BadArticle`)
and written back (:func:`to_markdown`)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import yaml

from index.articles.model import Article
from index.articles.slugs import slugify
from index.errors import BadArticle

# libyaml's safe loader when PyYAML was built with it (several times faster), else pure Python.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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


def article_from(path: Path, article_id: str, meta: dict, body: str) -> Article:
    """The article of front matter fields ``meta`` and text ``body`` (``meta["id"]``, when
    given, replaces ``article_id``)."""
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


def to_markdown(fields: dict, text: str) -> str:
    """A Markdown article: the non-empty ``fields`` as YAML front matter, a blank line, the
    text (what :func:`split_front_matter` and :func:`article_from` read back)."""
    meta = {k: v for k, v in fields.items() if v}
    header = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1_000_000)
    return f"---\n{header}---\n\n{text}\n"
