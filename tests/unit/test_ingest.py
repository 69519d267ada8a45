"""`add`: web pages, feeds and files into the corpus, safely, without duplicates, then indexed.

Every page, feed and outlet here is an invented fixture (fictional places, people and outlets),
served by a local web server on 127.0.0.1 (the ``fixture_site`` fixture).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from index.articles.frontmatter import split_front_matter
from index.articles.model import Draft
from index.articles.readers import read_article
from index.articles.slugs import file_slug
from index.errors import ConfigError, Rejected
from index.ingest.corpus import KnownArticles, write_article
from index.ingest.fetch import FetchError, FetchLimits, SafeFetcher, address_problem
from index.ingest.ingester import add_sources
from index.ingest.urls import normalize_url, strip_tracking
from index.settings import IndexConfig
from tests.support.pages import (
    ARTICLES,
    BOILERPLATE_PAGE,
    CORRIN,
    DREVNA,
    FURNITURE,
    HARWICK,
    OSKARSHOLM,
    PELLMOOR,
    SALTMARSH,
    UNTITLED_PAGE,
    VERIDIAN,
    article_page,
    atom_feed,
    rss_feed,
)
from tests.support.paths import FIXTURE_ARTICLES
from tests.support.public_web import (
    INTERNAL_HOST,
    PUBLIC_ADDRESS,
    PUBLIC_HOST,
    ToFixtureSite,
    fake_dns,
)
from tests.support.site import FixtureSite


@pytest.fixture(scope="module")
def site(fixture_site: FixtureSite) -> FixtureSite:
    """The fixture web site: articles, feeds, redirects and every kind of broken answer."""
    s = fixture_site
    for article in ARTICLES:
        page = article_page(article, canonical=s.url(article.path))
        if article is SALTMARSH:
            s.add(
                article.path, page.encode("iso-8859-1"), content_type="text/html; charset=latin-1"
            )
        else:
            s.add(article.path, page)
    s.add("/mirror/veridian", article_page(VERIDIAN, canonical=None))
    s.add("/untitled", UNTITLED_PAGE)
    s.add("/boilerplate", BOILERPLATE_PAGE)
    tracked = f"{VERIDIAN.path}?utm_source=newsletter&utm_medium=email&fbclid=abc"
    s.add("/go/veridian", status=302, headers={"Location": tracked})
    s.add("/loop", status=302, headers={"Location": "/loop"})
    s.add("/to-ftp", status=307, headers={"Location": "ftp://fixture.example/story.html"})
    s.add("/public-hop", status=302, headers={"Location": s.url(VERIDIAN.path)})
    s.add("/internal-hop", status=301, headers={"Location": f"http://{INTERNAL_HOST}/secrets"})
    s.add("/missing-page", b"gone", status=404, content_type="text/plain")
    s.add("/broken", b"oops", status=500, content_type="text/plain")
    s.add("/slow", article_page(HARWICK, None), delay=3.0)
    s.add("/huge", b"<p>" + b"x" * (1024 * 1024) + b"</p>", repeat=6)
    s.add("/huge-declared", b"", headers={"Content-Length": str(50 * 1024 * 1024)})
    s.add("/files/report.pdf", b"%PDF-1.7\n\x00\x01\x02binary", content_type="application/pdf")
    s.add("/files/disguised.html", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 50)
    s.add("/no-type", "<html><body><p>hello</p></body></html>", content_type=None)
    rss = rss_feed(s, [HARWICK, VERIDIAN, SALTMARSH])  # newest first, as feeds do
    s.add("/feeds/ai.rss", rss, content_type="application/rss+xml")
    s.add("/feeds/atom.xml", atom_feed([DREVNA, PELLMOOR]), content_type="application/atom+xml")
    s.add("/feeds/not-a-feed.xml", "<html><body>nothing</body></html>", content_type="text/xml")
    return s


def local_fetcher(**limits) -> SafeFetcher:
    return SafeFetcher(allow_private=True, limits=FetchLimits(**limits))


def add(corpus: Path, sources=(), feeds=(), fetcher: SafeFetcher | None = None, **options):
    with fetcher or local_fetcher() as f:
        return add_sources(corpus, sources, feeds, fetcher=f, **options)


def all_entries(folder: Path) -> set[str]:
    """Every name in a folder, hidden ones included."""
    return {p.name for p in folder.iterdir()}


@pytest.fixture
def empty_corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    return folder


# --- URLs and addresses ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "HTTPS://Fixture.Example/news/a-story/",
        "https://fixture.example:443/news/a-story?utm_source=x&utm_campaign=y#comments",
        "https://fixture.example/news/a-story?fbclid=1&gclid=2&mc_cid=3&mc_eid=4&ref=home",
        "https://fixture.example//news/a-story",
    ],
)
def test_urls_of_one_page_normalize_to_one_key(url):
    assert normalize_url(url) == "https://fixture.example/news/a-story"


def test_normalizing_keeps_meaningful_parameters_and_ports():
    assert (
        normalize_url("http://a.example:8080/?b=2&a=1&utm_x=3") == "http://a.example:8080/?a=1&b=2"
    )
    assert normalize_url("https://a.example/story?id=7") != normalize_url("https://a.example/story")


def test_stored_urls_lose_only_tracking_and_fragment():
    stored = strip_tracking("https://Fixture.example/News/?id=7&utm_source=x&ref=nav#top")
    assert stored == "https://Fixture.example/News/?id=7"


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.0.10", "private"),
        ("fc00::5", "private"),
        ("169.254.169.254", "link-local"),
        ("224.0.0.251", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "non-public"),
        (PUBLIC_ADDRESS, None),
        ("2606:4700:4700::1111", None),
    ],
)
def test_addresses_are_classified(address, kind):
    assert address_problem(address) == kind


# --- pages ----------------------------------------------------------------------------------


def test_page_becomes_a_markdown_file_that_reads_back(site, empty_corpus):
    url = site.url(VERIDIAN.path)
    report = add(empty_corpus, [url])
    assert report.failed == [] and report.duplicates == []
    (added,) = report.added
    path = Path(added.path)
    assert path.parent == empty_corpus
    assert path.name == "2025-08-14-veridian-straits-pact-caps-ai-chip-transfers.md"
    assert (added.url, added.title) == (url, VERIDIAN.title)
    article = read_article(path, empty_corpus)
    assert (article.title, article.url, article.published) == (VERIDIAN.title, url, "2025-08-14")
    assert (article.source, article.author) == ("Fixture Herald", "Lena Okafor")
    assert article.id == path.stem
    for paragraph in VERIDIAN.paragraphs:
        assert paragraph in article.text
    for furniture in FURNITURE:
        assert furniture not in article.text
    meta, _ = split_front_matter(path.read_text(encoding="utf-8"), path)
    assert list(meta) == ["title", "source", "author", "published", "url", "fetched_at"]
    assert meta["fetched_at"].endswith("Z") and meta["fetched_at"][:2] == "20"
    assert all_entries(empty_corpus) == {path.name}


def test_page_without_a_date_is_undated_and_charsets_are_honoured(site, empty_corpus):
    report = add(empty_corpus, [site.url(CORRIN.path), site.url(SALTMARSH.path)])
    assert report.failed == []
    names = [Path(a.path).name for a in report.added]
    assert names[0] == "undated-corrin-valley-researchers-publish-open-weights.md"
    saltmarsh = read_article(Path(report.added[1].path), empty_corpus)
    assert "Café des Dunes" in saltmarsh.text and "communiqué" in saltmarsh.text
    assert (saltmarsh.source, saltmarsh.author) == ("Le Fixture Quotidien", "Élodie Marchetti")


def test_file_names_are_ascii_slugs_of_the_title():
    assert file_slug("Élodie's «AI» Plan: 2025/26 Edition!") == "elodie-s-ai-plan-2025-26-edition"
    assert file_slug("???") == "article"
    assert len(file_slug("word " * 100)) <= 80


# --- duplicates -----------------------------------------------------------------------------


def test_adding_the_same_article_again_writes_nothing(site, empty_corpus):
    url = site.url(VERIDIAN.path)
    first = add(empty_corpus, [url]).added[0].path
    before = site.hits[VERIDIAN.path]
    again = add(
        empty_corpus,
        [
            url,
            f"{url}?utm_source=feed&utm_medium=rss&fbclid=XYZ#comments",
            url + "/",
            site.url("/go/veridian"),  # a redirect to the tracking-parameter URL
            site.url("/mirror/veridian"),  # the same text under another URL
        ],
    )
    assert again.added == [] and again.failed == []
    assert [d.path for d in again.duplicates] == [first] * 5
    assert site.hits[VERIDIAN.path] == before + 1  # only the redirect fetched it again
    assert all_entries(empty_corpus) == {Path(first).name}


def test_cli_says_already_in_corpus(site, empty_corpus):
    url = site.url(VERIDIAN.path)
    obj = {"env": {"GEOQA_CORPUS_DIR": str(empty_corpus), "GEOQA_ALLOW_PRIVATE_URLS": "1"}}
    first = CliRunner().invoke(cli, ["add", url, "--no-index"], obj=obj)
    assert first.exit_code == 0, first.output
    (path,) = empty_corpus.iterdir()
    assert first.stdout == f"added {path}: {VERIDIAN.title}\n"
    second = CliRunner().invoke(cli, ["add", f"{url}?utm_source=x", "--no-index"], obj=obj)
    assert second.exit_code == 0
    assert second.stdout == f"already in corpus: {path} ({url}?utm_source=x)\n"
    assert all_entries(empty_corpus) == {path.name}


# --- feeds ----------------------------------------------------------------------------------


def test_rss_feed_adds_the_missing_entries_oldest_first(site, empty_corpus):
    add(empty_corpus, [site.url(VERIDIAN.path)])
    before = site.hits[VERIDIAN.path]
    report = add(empty_corpus, feeds=[site.url("/feeds/ai.rss")])
    assert report.failed == []
    assert [a.title for a in report.added] == [SALTMARSH.title, HARWICK.title]
    assert [d.url for d in report.duplicates] == [site.url(VERIDIAN.path)]
    assert site.hits[VERIDIAN.path] == before  # known by its URL: not fetched again
    again = add(empty_corpus, feeds=[site.url("/feeds/ai.rss")])
    assert again.added == [] and len(again.duplicates) == 3


def test_atom_feed_with_relative_links(site, empty_corpus):
    report = add(empty_corpus, feeds=[site.url("/feeds/atom.xml")])
    assert report.failed == []
    assert [a.url for a in report.added] == [site.url(PELLMOOR.path), site.url(DREVNA.path)]
    assert {p.name[:10] for p in empty_corpus.iterdir()} == {"2025-04-22", "2025-10-05"}


def test_broken_feeds_fail_with_a_reason(site, empty_corpus):
    report = add(
        empty_corpus,
        feeds=[site.url("/feeds/not-a-feed.xml"), site.url(VERIDIAN.path), site.url("/nowhere")],
    )
    reasons = [f.reason for f in report.failed]
    assert reasons[0].startswith("not a readable RSS or Atom feed")
    assert reasons[1] == "not an RSS or Atom feed (content type text/html)"
    assert reasons[2].startswith("HTTP 404")
    assert report.added == [] and all_entries(empty_corpus) == set()


# --- failures -------------------------------------------------------------------------------

FAILURES = {
    "/missing-page": "HTTP 404 Not Found",
    "/broken": "HTTP 500 Internal Server Error",
    "/slow": "timed out (no answer within 0.5 s)",
    "/huge": "too large (more than 5,242,880 bytes)",
    "/huge-declared": "too large (52,428,800 bytes; the limit is 5,242,880)",
    "/files/report.pdf": "not an HTML page (content type application/pdf)",
    "/files/disguised.html": "binary content, not an HTML page",
    "/no-type": "not an HTML page (content type missing)",
    "/boilerplate": "words of text found (navigation or boilerplate?)",
    "/untitled": "no title found in the page",
    "/loop": "too many redirects (more than 5)",
    "/to-ftp": "only http and https URLs can be added (redirected to ftp://fixture.example/",
}


def test_each_failure_is_one_reason_and_the_other_urls_still_go_in(site, empty_corpus):
    urls = [site.url(path) for path in FAILURES]
    urls.insert(4, site.url(OSKARSHOLM.path))
    urls += ["ftp://fixture.example/file.html", "file:///etc/passwd", "not a url"]
    report = add(empty_corpus, urls, fetcher=local_fetcher(timeout=0.5))
    assert [a.title for a in report.added] == [OSKARSHOLM.title]
    reasons = {f.url: f.reason for f in report.failed}
    for path, reason in FAILURES.items():
        assert reason in reasons[site.url(path)], path
    assert reasons["ftp://fixture.example/file.html"] == "only http and https URLs can be added"
    assert reasons["file:///etc/passwd"] == "only http and https URLs can be added"
    assert reasons["not a url"] == "no such file"
    assert all("\n" not in r for r in reasons.values())
    assert all_entries(empty_corpus) == {Path(report.added[0].path).name}  # no temp files left


def test_a_whole_fetch_has_a_deadline(site):
    with local_fetcher(timeout=5, total_timeout=0.5) as fetcher, pytest.raises(FetchError) as e:
        fetcher.fetch(site.url("/slow"))
    assert e.value.reason == "timed out (took longer than 0.5 s in all)"


# --- private addresses ----------------------------------------------------------------------


def test_loopback_and_private_hosts_are_refused_unless_allowed(site, empty_corpus):
    before = dict(site.hits)
    url = site.url(VERIDIAN.path)
    named = url.replace("127.0.0.1", "localhost")
    report = add(empty_corpus, [url, named], fetcher=SafeFetcher())
    first, second = (f.reason for f in report.failed)
    assert first == "refused: 127.0.0.1 is a loopback address"
    assert second.startswith("refused: localhost resolves to ")  # 127.0.0.1 or ::1
    assert second.endswith(", a loopback address")
    assert dict(site.hits) == before  # nothing was even requested
    assert all_entries(empty_corpus) == set()


def test_a_host_with_any_private_address_is_refused():
    def resolver(host, port):
        return [PUBLIC_ADDRESS, "10.9.8.7"]

    with SafeFetcher(resolver=resolver) as fetcher, pytest.raises(FetchError) as caught:
        fetcher.fetch(f"http://{PUBLIC_HOST}/story")
    assert caught.value.reason == f"refused: {PUBLIC_HOST} resolves to 10.9.8.7, a private address"


@pytest.mark.parametrize(
    ("hop", "reason"),
    [
        ("/public-hop", "refused: 127.0.0.1 is a loopback address"),
        ("/internal-hop", f"refused: {INTERNAL_HOST} resolves to 10.1.2.3, a private address"),
    ],
)
def test_a_redirect_from_a_public_host_to_a_private_one_is_refused(site, empty_corpus, hop, reason):
    transport = ToFixtureSite(site)
    fetcher = SafeFetcher(resolver=fake_dns, transport=transport)
    before, page_before = site.hits[hop], site.hits[VERIDIAN.path]
    report = add(empty_corpus, [f"http://{PUBLIC_HOST}{hop}"], fetcher=fetcher)
    assert [f.reason for f in report.failed] == [reason]
    assert site.hits[hop] == before + 1  # the public first hop was fetched…
    assert transport.sent_to == [f"{PUBLIC_ADDRESS} {PUBLIC_HOST}"]  # …from the checked address
    assert site.hits[VERIDIAN.path] == page_before  # …and the private second hop was not
    assert all_entries(empty_corpus) == set()


def test_a_public_page_is_fetched_from_the_address_that_was_checked(site, empty_corpus):
    transport = ToFixtureSite(site)
    fetcher = SafeFetcher(resolver=fake_dns, transport=transport)
    report = add(empty_corpus, [f"http://{PUBLIC_HOST}{CORRIN.path}"], fetcher=fetcher)
    assert [a.title for a in report.added] == [CORRIN.title]
    assert transport.sent_to == [f"{PUBLIC_ADDRESS} {PUBLIC_HOST}"]


# --- local files ----------------------------------------------------------------------------


def test_local_md_txt_and_html_files_are_copied_and_read_back(empty_corpus):
    files = sorted(FIXTURE_ARTICLES.iterdir())
    report = add(empty_corpus, [str(p) for p in files])
    assert report.failed == [] and len(report.added) == 3
    for source, added in zip(files, report.added, strict=True):
        original = read_article(source, source.parent)
        copy = read_article(Path(added.path), empty_corpus)
        assert (copy.title, copy.url, copy.text) == (original.title, original.url, original.text)
        assert (copy.source, copy.published, copy.tags) == (
            original.source,
            original.published,
            original.tags,
        )
        assert Path(added.path).suffix == ".md"
    again = add(empty_corpus, [str(p) for p in files])
    assert again.added == [] and len(again.duplicates) == 3


def test_files_are_refused_where_only_urls_may_come(empty_corpus):
    source = str(FIXTURE_ARTICLES / "2025-03-05-northbridge-compact.txt")
    report = add(empty_corpus, [source], files=False)
    assert [f.reason for f in report.failed] == ["not an http(s) URL"]


def test_articles_with_the_same_title_and_date_get_distinct_files(tmp_path, empty_corpus):
    sources = []
    for n, body in enumerate(["The first text of a fixture.", "A different fixture text."]):
        sources.append(tmp_path / f"source-{n}.txt")
        sources[-1].write_text(f"Fixture Council Meets Again\n\n{body}\n", encoding="utf-8")
    report = add(empty_corpus, [str(p) for p in sources])
    names = [Path(a.path).name for a in report.added]
    assert names == [
        "undated-fixture-council-meets-again.md",
        "undated-fixture-council-meets-again-2.md",
    ]


def test_an_article_that_would_not_read_back_leaves_nothing_behind(empty_corpus):
    draft = Draft(title="Fixture Padding Story", text="  padded fixture text, never stripped  ")
    known = KnownArticles(empty_corpus)
    with pytest.raises(Rejected, match="the written text does not read back"):
        write_article(empty_corpus, draft, known, "2025-01-01T00:00:00Z")
    assert all_entries(empty_corpus) == set()


# --- command line and index -----------------------------------------------------------------


def test_cli_json_reports_added_duplicates_and_failures(site, empty_corpus):
    good, bad = site.url(DREVNA.path), site.url("/missing-page")
    env = {"GEOQA_CORPUS_DIR": str(empty_corpus), "GEOQA_ALLOW_PRIVATE_URLS": "1"}
    result = CliRunner().invoke(
        cli, ["add", good, bad, good, "--no-index", "--json"], obj={"env": env}
    )
    assert result.exit_code == 1
    out = json.loads(result.stdout)
    (path,) = empty_corpus.iterdir()
    assert out == {
        "added": [{"url": good, "path": str(path), "title": DREVNA.title}],
        "duplicates": [{"url": good, "path": str(path)}],
        "failed": [{"url": bad, "reason": "HTTP 404 Not Found"}],
        "index": None,
    }
    assert result.stderr == f"error: {bad}: HTTP 404 Not Found\n"


def test_cli_refuses_loopback_without_the_setting(site, empty_corpus):
    url = site.url(DREVNA.path)
    result = CliRunner().invoke(
        cli,
        ["add", url, "--no-index", "--json"],
        obj={"env": {"GEOQA_CORPUS_DIR": str(empty_corpus)}},
    )
    assert result.exit_code == 1
    assert json.loads(result.stdout)["failed"] == [
        {"url": url, "reason": "refused: 127.0.0.1 is a loopback address"}
    ]
    assert all_entries(empty_corpus) == set()


def test_the_allow_private_setting_is_read_as_yes_or_no():
    assert IndexConfig.from_env({}).allow_private_urls is False
    assert IndexConfig.from_env({"GEOQA_ALLOW_PRIVATE_URLS": "1"}).allow_private_urls is True
    assert IndexConfig.from_env({"GEOQA_ALLOW_PRIVATE_URLS": "off"}).allow_private_urls is False
    with pytest.raises(ConfigError, match="GEOQA_ALLOW_PRIVATE_URLS must be 1 or 0"):
        IndexConfig.from_env({"GEOQA_ALLOW_PRIVATE_URLS": "maybe"})
