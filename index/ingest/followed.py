"""The followed feeds: one human-editable TOML file (``GEOQA_FEEDS_FILE``), one ``[[feed]]``
table per feed::

    [[feed]]
    name = "fixture-herald"                 # unique; what `geoqa feeds remove` takes
    url = "https://news.example/ai.rss"     # an RSS or Atom feed
    source = "Fixture Herald"               # optional: stored as the articles' outlet
    match = ["chip*", "export control"]     # optional: only entries whose title or summary
                                            # holds one of these words (* = any ending)

The file is read with :mod:`tomllib`; ``geoqa feeds add`` appends a table to the text and
``geoqa feeds remove`` cuts one out, so the user's comments and layout stay as they were (a file
whose tables cannot be told apart line by line is written anew from its feeds). Every write goes
to a temporary file that is read back and only then renamed over the old one.
"""

from __future__ import annotations

import os
import re
import secrets
import tomllib
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from index.articles.slugs import slugify
from index.errors import ConfigError
from index.ingest.feeds import Entry
from index.ingest.urls import WEB_SCHEMES, normalize_url
from index.util import fsync_dir, write_synced

FEED_KEYS = ("name", "url", "source", "match")
HEADER = """\
# Feeds geoqa follows: `geoqa sync` (and the Discord bot every GEOQA_SYNC_MINUTES) adds their new
# entries to the corpus. Edit this file by hand or with `geoqa feeds add` / `geoqa feeds remove`.
#
#   [[feed]]
#   name = "short-name"                  # unique; what `geoqa feeds remove` takes
#   url = "https://example.org/feed.xml" # an RSS or Atom feed
#   source = "Outlet"                    # optional: stored as the articles' outlet
#   match = ["chip*", "export control"]  # optional: only entries whose title or summary holds
#                                        # one of these (case-insensitive; * = any ending)
"""
_TABLE_LINE = re.compile(r"^\s*\[\[\s*feed\s*\]\]\s*(#.*)?$")
_COMMENT_LINE = re.compile(r"^\s*#")


@dataclass(frozen=True)
class Feed:
    """A followed feed: its name, URL, the outlet stored as its articles' ``source`` (None:
    the page's own) and the words an entry must hold to be taken (none: every entry)."""

    name: str
    url: str
    source: str | None = None
    match: tuple[str, ...] = ()

    def matches(self, entry: Entry) -> bool:
        """Whether the entry's title or summary holds one of the ``match`` words (always true
        without any)."""
        if not self.match:
            return True
        text = f"{entry.title or ''}\n{entry.summary or ''}"
        return any(term_pattern(term).search(text) for term in self.match)


def term_pattern(term: str) -> re.Pattern[str]:
    """A match word as a case-insensitive pattern: whole words (``AI`` is not in ``said``),
    spaces matching any whitespace, and a trailing ``*`` matching any ending (``chip*``)."""
    stem, wildcard = (term[:-1], True) if term.endswith("*") else (term, False)
    words = r"\s+".join(re.escape(w) for w in stem.split())
    return re.compile(rf"(?<!\w){words}" + ("" if wildcard else r"(?!\w)"), re.IGNORECASE)


def match_terms(values: Iterable[str]) -> tuple[str, ...]:
    """Match words from options or the file: comma-separated, trimmed, blanks and repeats
    dropped."""
    terms: dict[str, None] = {}
    for value in values:
        for part in value.split(","):
            term = " ".join(part.split())
            if term and term != "*":
                terms.setdefault(term, None)
    return tuple(terms)


def read_feeds(path: Path) -> list[Feed]:
    """The feeds of the file at ``path`` (none when it does not exist); a file that is not valid
    TOML or names a feed badly is a :class:`ConfigError` naming the file and the problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"feeds file {path}: cannot read it ({exc})") from None
    return parse_feeds(text, path)


def read_followed(path: Path) -> list[Feed]:
    """The feeds to sync: like :func:`read_feeds`, but a missing file is a :class:`ConfigError`
    saying how to follow a feed."""
    if not path.is_file():
        raise ConfigError(f"no feeds file at {path}; follow a feed with `geoqa feeds add URL`")
    return read_feeds(path)


def parse_feeds(text: str, path: Path) -> list[Feed]:
    """The feeds of a feeds file's text (``path`` names it in errors)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"feeds file {path}: not valid TOML ({exc})") from None
    unknown = sorted(set(data) - {"feed"})
    if unknown:
        raise ConfigError(f"feeds file {path}: unknown setting {unknown[0]!r} (expected [[feed]])")
    tables = data.get("feed", [])
    if not isinstance(tables, list):
        raise ConfigError(f"feeds file {path}: write each feed as a [[feed]] table")
    feeds: list[Feed] = []
    for n, table in enumerate(tables, start=1):
        feeds.append(_feed(table, n, path, taken=[f.name for f in feeds]))
    _check_unique(feeds, path)
    return feeds


def _feed(table: object, n: int, path: Path, taken: list[str]) -> Feed:
    where = f"feeds file {path}, feed {n}"
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: write each feed as a [[feed]] table")
    unknown = sorted(set(table) - set(FEED_KEYS))
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(FEED_KEYS)})")
    url = _text(table, "url", where)
    if url is None:
        raise ConfigError(f"{where}: no url")
    check_feed_url(url, where)
    match = table.get("match", [])
    if isinstance(match, str):
        match = [match]
    if not isinstance(match, list) or not all(isinstance(m, str) for m in match):
        raise ConfigError(f"{where}: match must be a list of words")
    name = _text(table, "name", where) or default_name(url, taken)
    return Feed(name, url, _text(table, "source", where), match_terms(match))


def _text(table: dict, key: str, where: str) -> str | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigError(f"{where}: {key} must be text")
    return " ".join(value.split()) or None


def check_feed_url(url: str, where: str) -> None:
    """Refuse a feed URL that is not http(s) with a host name (fetching checks the rest)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        host = parts = None
    if parts is None or parts.scheme not in WEB_SCHEMES or not host:
        raise ConfigError(f"{where}: {url!r} is not an http(s) URL")


def _check_unique(feeds: list[Feed], path: Path) -> None:
    names: dict[str, str] = {}
    urls: dict[str, str] = {}
    for feed in feeds:
        key = normalize_url(feed.url)
        if key in urls:
            raise ConfigError(f"feeds file {path}: {feed.url} is followed twice")
        if feed.name.casefold() in names:
            raise ConfigError(f"feeds file {path}: two feeds are named {feed.name!r}")
        names[feed.name.casefold()] = feed.name
        urls[key] = feed.name


def default_name(url: str, taken: Iterable[str]) -> str:
    """A feed's name made from its host (``www.`` dropped), numbered when already taken."""
    host = (urlsplit(url).hostname or "feed").removeprefix("www.")
    stem = slugify(host) or "feed"
    used = {name.casefold() for name in taken}
    name, n = stem, 1
    while name.casefold() in used:
        n += 1
        name = f"{stem}-{n}"
    return name


def toml_string(value: str) -> str:
    """``value`` as a TOML basic string (quotes, backslashes and control characters escaped)."""
    out = []
    for char in value:
        if char in '"\\':
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def render_feed(feed: Feed) -> str:
    """A feed as its ``[[feed]]`` table."""
    lines = ["[[feed]]", f"name = {toml_string(feed.name)}", f"url = {toml_string(feed.url)}"]
    if feed.source:
        lines.append(f"source = {toml_string(feed.source)}")
    if feed.match:
        lines.append(f"match = [{', '.join(toml_string(m) for m in feed.match)}]")
    return "\n".join(lines) + "\n"


def render_file(feeds: list[Feed]) -> str:
    """A whole feeds file: the explanatory header, then each feed's table."""
    return "\n".join([HEADER, *(render_feed(f) for f in feeds)])


def follow(
    path: Path,
    url: str,
    *,
    name: str | None = None,
    source: str | None = None,
    match: Iterable[str] = (),
) -> Feed:
    """Add a feed to the file (created when missing); the name defaults to the URL's host.

    The same URL, or a name in use, is a :class:`ConfigError`."""
    url = url.strip()
    check_feed_url(url, "feed")
    text = _read_text(path)
    feeds = parse_feeds(text, path) if text is not None else []
    key = normalize_url(url)
    for feed in feeds:
        if normalize_url(feed.url) == key:
            raise ConfigError(f"{url} is already followed as {feed.name!r}")
    name = " ".join((name or "").split()) or default_name(url, (f.name for f in feeds))
    if any(f.name.casefold() == name.casefold() for f in feeds):
        raise ConfigError(f"a feed named {name!r} is already followed")
    source = " ".join((source or "").split()) or None
    feed = Feed(name, url, source, match_terms(match))
    if text is None:
        new_text = render_file([feed])
    else:
        new_text = (
            f"{text.rstrip()}\n\n{render_feed(feed)}" if text.strip() else render_file([feed])
        )
    _replace(path, new_text, [*feeds, feed])
    return feed


def unfollow(path: Path, name: str) -> Feed:
    """Remove the feed named ``name`` from the file (its comments above it go with it)."""
    text = _read_text(path)
    feeds = parse_feeds(text, path) if text is not None else []
    found = [i for i, f in enumerate(feeds) if f.name.casefold() == name.strip().casefold()]
    if not found:
        known = ", ".join(f.name for f in feeds) or "none"
        raise ConfigError(f"no followed feed is named {name!r} (followed: {known})")
    i = found[0]
    remaining = feeds[:i] + feeds[i + 1 :]
    new_text = _without_table(text or "", i)
    if new_text is None or parse_feeds(new_text, path) != remaining:
        new_text = render_file(remaining)  # the tables could not be cut out line by line
    _replace(path, new_text, remaining)
    return feeds[i]


def _without_table(text: str, index: int) -> str | None:
    """``text`` without its ``index``-th ``[[feed]]`` table and the comments right above it;
    None when the tables cannot be found line by line."""
    lines = text.splitlines(keepends=True)
    starts = [n for n, line in enumerate(lines) if _TABLE_LINE.match(line)]
    if index >= len(starts):
        return None
    begin, end = starts[index], starts[index + 1] if index + 1 < len(starts) else len(lines)
    while begin > 0 and _COMMENT_LINE.match(lines[begin - 1]):
        begin -= 1
    if begin == 0:  # comments at the top are the file's own: they stay
        begin = starts[index]
    if index + 1 < len(starts):  # the next table's comments stay with it
        while end - 1 > begin and _COMMENT_LINE.match(lines[end - 1]):
            end -= 1
    kept = lines[:begin] + lines[end:]
    return re.sub(r"\n{3,}", "\n\n", "".join(kept).rstrip("\n") + "\n")


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"feeds file {path}: cannot read it ({exc})") from None


def _replace(path: Path, text: str, expected: list[Feed]) -> None:
    """Write ``text`` to ``path`` atomically, after checking it reads back as ``expected``."""
    if parse_feeds(text, path) != expected:  # pragma: no cover - a bug in this module
        raise ConfigError(f"feeds file {path}: the new file would not read back")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        write_synced(tmp, text, exclusive=True)
        os.replace(tmp, path)
    except BaseException:
        with suppress(FileNotFoundError):
            tmp.unlink()
        raise
    fsync_dir(path.parent)
