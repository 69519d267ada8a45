"""Adding articles to the corpus from web pages, RSS/Atom feeds and local files.

Each source becomes ``<corpus>/<published>-<slug>.md`` with the front matter the corpus reader
uses, unless the corpus already holds it (same normalized URL, or the same text). A source that
cannot be added is reported with one line of reason and the others still go in. Files are written
to a hidden temporary file in the corpus folder, read back, and only then renamed into place, so a
failure or a kill never leaves half an article behind. Updating the index afterwards is the
caller's choice (:func:`index.build.build_index` embeds only the new chunks).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import io
import logging
import os
import re
import secrets
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

import yaml

from index.articles import (
    HTML_SUFFIXES,
    SUPPORTED_SUFFIXES,
    Article,
    HtmlPage,
    corpus_files,
    extract_html,
    parse_date,
    read_article,
    slugify,
)
from index.errors import BadArticle, ConfigError, GeoqaError
from index.fetch import FEED, Fetched, FetchError, SafeFetcher
from index.urls import WEB_SCHEMES, looks_like_url, normalize_url, strip_tracking

if TYPE_CHECKING:
    from index.build import BuildReport

log = logging.getLogger(__name__)

MIN_WORDS = 40  # less text than this is navigation, a cookie wall or a paywall stub
SLUG_CHARS = 80
TMP_PREFIX = ".adding-"


class Rejected(GeoqaError):
    """A source that was read but holds no usable article; ``reason`` is one line."""

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"{source}: {reason}")


@dataclass(frozen=True)
class Added:
    """A source written into the corpus."""

    url: str  # the source as given: a URL or a file path
    path: str
    title: str


@dataclass(frozen=True)
class Duplicate:
    """A source the corpus already holds, and the file that holds it."""

    url: str
    path: str


@dataclass(frozen=True)
class Failed:
    """A source that could not be added, and why."""

    url: str
    reason: str


Outcome = Added | Duplicate | Failed
Notify = Callable[[Outcome], None]


@dataclass
class AddReport:
    """What an ``add`` did; ``as_json`` is the ``--json`` output."""

    added: list[Added] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    failed: list[Failed] = field(default_factory=list)
    index: BuildReport | None = None

    def as_json(self) -> dict:
        """The report as one JSON-ready object."""
        return {
            "added": [{"url": a.url, "path": a.path, "title": a.title} for a in self.added],
            "duplicates": [{"url": d.url, "path": d.path} for d in self.duplicates],
            "failed": [{"url": f.url, "reason": f.reason} for f in self.failed],
            "index": self.index.as_json() if self.index is not None else None,
        }


@dataclass(frozen=True)
class Draft:
    """An article about to be written: its front matter fields and its text."""

    title: str
    text: str
    source: str | None = None
    author: str | None = None
    published: str | None = None
    url: str | None = None
    tags: tuple[str, ...] = ()

    @classmethod
    def from_article(cls, article: Article) -> Draft:
        """The draft of an article read from a file."""
        return cls(
            title=article.title,
            text=article.text,
            source=article.source,
            author=article.author,
            published=article.published,
            url=article.url,
            tags=article.tags,
        )

    @property
    def text_hash(self) -> str:
        """The corpus's content hash of this text (:attr:`Article.text_hash`)."""
        return Article(id="", title=self.title, text=self.text).text_hash

    def file_name(self) -> str:
        """``<published or 'undated'>-<slug of the title>``, without a suffix."""
        return f"{self.published or 'undated'}-{file_slug(self.title)}"

    def render(self, fetched_at: str) -> str:
        """The Markdown file: YAML front matter, a blank line, the text."""
        fields = {
            "title": self.title,
            "source": self.source,
            "author": self.author,
            "published": self.published,
            "url": self.url,
            "tags": list(self.tags),
            "fetched_at": fetched_at,
        }
        meta = {k: v for k, v in fields.items() if v}
        header = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1_000_000)
        return f"---\n{header}---\n\n{self.text}\n"


def file_slug(title: str) -> str:
    """An ASCII, lowercase, dash-separated file name part made from a title."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    if len(slug) > SLUG_CHARS:
        slug = slug[:SLUG_CHARS].rsplit("-", 1)[0]
    return slug or "article"


def one_line(value: str | None) -> str | None:
    """Metadata text with its whitespace collapsed to single spaces; None when empty."""
    if value is None:
        return None
    return " ".join(str(value).split()) or None


def clean_text(text: str) -> str:
    """Article text as the corpus reader returns it: ``\\n`` line ends, no outer whitespace."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def utc_stamp() -> str:
    """Now, as a UTC ISO 8601 timestamp to the second."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def draft_from_page(
    source: str, page: HtmlPage | None, page_url: str | None, min_words: int
) -> Draft:
    """The draft of an extracted HTML page, or :class:`Rejected` saying what is missing."""
    if page is None:
        raise Rejected(source, "no article text found in the page")
    text = require_words(source, clean_text(page.text), min_words)
    title = one_line(page.title)
    if not title:
        raise Rejected(source, "no title found in the page")
    return Draft(
        title=title,
        text=text,
        source=one_line(page.source),
        author=one_line(page.author),
        published=_date_or_none(page.published),
        url=_canonical(page.url, page_url),
        tags=tuple(t for t in (one_line(t) for t in page.tags) if t),
    )


def require_words(source: str, text: str, min_words: int) -> str:
    """``text``, unless it is empty or too short to be more than page furniture."""
    if not text:
        raise Rejected(source, "no article text found in the page")
    words = len(text.split())
    if words < min_words:
        raise Rejected(source, f"only {words} words of text found (navigation or boilerplate?)")
    return text


def _date_or_none(value: str | None) -> str | None:
    try:
        return parse_date(value, Path("page"))
    except BadArticle:
        return None


def _canonical(found: str | None, page_url: str | None) -> str | None:
    """The page's canonical URL (made absolute) when it is http(s), else where it was fetched."""
    if found:
        try:
            absolute = urljoin(page_url, found) if page_url else found
            parts = urlsplit(absolute)
        except ValueError:  # a malformed canonical link: ignore it
            parts = None
        if parts is not None and parts.scheme in WEB_SCHEMES and parts.hostname:
            return strip_tracking(absolute)
    return strip_tracking(page_url) if page_url else None


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
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(draft.render(fetched_at))
            handle.flush()
            os.fsync(handle.fileno())
        _check_reads_back(tmp, root, draft)
        final = _free_path(root, draft.file_name(), known)
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


@dataclass(frozen=True)
class Entry:
    """A feed entry: its link (absolute; None when it has none) and title."""

    link: str | None
    title: str | None


def feed_entries(fetched: Fetched) -> list[Entry]:
    """The entries of an RSS or Atom feed, oldest first."""
    import feedparser  # imported here: only feeds need it

    parsed = feedparser.parse(
        io.BytesIO(fetched.data), response_headers={"content-location": fetched.final_url}
    )
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        problem = parsed.get("bozo_exception") or "no feed found"
        raise Rejected(fetched.url, f"not a readable RSS or Atom feed ({problem})")
    entries = list(parsed.entries)
    dates = [e.get("published_parsed") or e.get("updated_parsed") for e in entries]
    if all(dates):
        order = sorted(range(len(entries)), key=lambda i: tuple(dates[i])[:6])
    else:  # without dates, trust the convention that feeds list the newest first
        order = list(reversed(range(len(entries))))
    found = []
    for i in order:
        link = (entries[i].get("link") or "").strip()
        title = one_line(entries[i].get("title"))
        found.append(Entry(urljoin(fetched.final_url, link) if link else None, title))
    return found


class Ingester:
    """Adds sources to one corpus folder, collecting an :class:`AddReport`."""

    def __init__(
        self,
        corpus_dir: Path,
        fetcher: SafeFetcher,
        *,
        files: bool = True,
        min_words: int = MIN_WORDS,
        notify: Notify | None = None,
    ) -> None:
        if not corpus_dir.is_dir():
            raise ConfigError(f"corpus folder {corpus_dir} does not exist")
        self.root = corpus_dir
        self.fetcher = fetcher
        self.files = files
        self.min_words = min_words
        self.notify = notify
        self.known = KnownArticles(corpus_dir)
        self.report = AddReport()

    def add_url(self, url: str) -> None:
        """Fetch a web page and add its article."""
        url = url.strip()
        try:
            self.known.refresh()
            held = self.known.holding([url])
            if held is not None:
                self._duplicate(url, held)
                return
            fetched = self.fetcher.fetch(url)
            draft = self._draft_from_fetched(url, fetched)
            self._store(url, draft, [url, fetched.final_url])
        except (FetchError, Rejected, BadArticle) as exc:
            self._fail(url, exc.reason)

    def add_file(self, name: str) -> None:
        """Copy a local ``.md``, ``.txt`` or ``.html`` article into the corpus."""
        path = Path(name)
        try:
            if not path.is_file():
                raise Rejected(name, "no such file")
            article = read_article(path, path.parent)
            if path.suffix.lower() in HTML_SUFFIXES:
                require_words(name, article.text, self.min_words)
            self._store(name, Draft.from_article(article), [])
        except (Rejected, BadArticle) as exc:
            self._fail(name, exc.reason)

    def add_feed(self, url: str) -> None:
        """Fetch an RSS or Atom feed and add the entries the corpus lacks, oldest first."""
        url = url.strip()
        try:
            entries = feed_entries(self.fetcher.fetch(url, FEED))
        except (FetchError, Rejected) as exc:
            self._fail(url, exc.reason)
            return
        log.info("feed %s: %d entries", url, len(entries))
        for entry in entries:
            if entry.link is None:
                self._fail(url, f"feed entry {entry.title or '(untitled)'!r} has no link")
            else:
                self.add_url(entry.link)

    def add(self, source: str) -> None:
        """Add a URL (anything with ``scheme://``) or, when files are allowed, a local file."""
        if looks_like_url(source):
            self.add_url(source)
        elif self.files:
            self.add_file(source)
        else:
            self._fail(source, "not an http(s) URL")

    def _draft_from_fetched(self, url: str, fetched: Fetched) -> Draft:
        html = fetched.text()
        if "\x00" in html:
            raise Rejected(url, "binary content, not an HTML page")
        page = extract_html(html, url=fetched.final_url)
        return draft_from_page(url, page, fetched.final_url, self.min_words)

    def _store(self, source: str, draft: Draft, urls: list[str]) -> None:
        with corpus_lock(self.root):
            self.known.refresh()
            held = self.known.holding([*urls, *([draft.url] if draft.url else [])], draft.text_hash)
            if held is not None:
                self._duplicate(source, held)
                return
            path = write_article(self.root, draft, self.known, utc_stamp())
        log.info("added %s as %s", source, path)
        self._record(self.report.added, Added(source, str(path), draft.title))

    def _duplicate(self, source: str, path: str) -> None:
        log.info("%s: already in corpus: %s", source, path)
        self._record(self.report.duplicates, Duplicate(source, path))

    def _fail(self, source: str, reason: str) -> None:
        log.info("%s: not added: %s", source, reason)
        self._record(self.report.failed, Failed(source, reason))

    def _record(self, outcomes: list, outcome: Outcome) -> None:
        outcomes.append(outcome)
        if self.notify is not None:
            self.notify(outcome)


def add_sources(
    corpus_dir: Path,
    sources: Sequence[str] = (),
    feeds: Sequence[str] = (),
    *,
    fetcher: SafeFetcher,
    files: bool = True,
    min_words: int = MIN_WORDS,
    notify: Notify | None = None,
) -> AddReport:
    """Add URLs and (with ``files``) local files, then the entries of ``feeds``.

    Pass ``files=False`` where sources come from untrusted users: anything that is not a URL is
    then refused instead of read from the local disk. ``notify`` is called with each outcome
    as it happens.
    """
    ingester = Ingester(corpus_dir, fetcher, files=files, min_words=min_words, notify=notify)
    for source in sources:
        ingester.add(source)
    for feed in feeds:
        ingester.add_feed(feed)
    return ingester.report
