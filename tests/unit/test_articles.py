"""Reading article files, and what happens to bad ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.articles.readers import load_corpus, read_article
from index.errors import BadArticle
from tests.support.paths import FIXTURE_ARTICLES, SEED_ID, SHIPPED_CORPUS


def test_shipped_seed_article_has_its_metadata_and_no_page_furniture():
    corpus = load_corpus(SHIPPED_CORPUS)
    assert corpus.skipped == []
    (seed,) = [a for a in corpus.articles if a.id == SEED_ID]
    assert seed.title == "Russia and BRICS Target US and China’s AI Lead With New Alliance"
    assert (seed.source, seed.author) == ("CCN", "Kurt Robson")
    assert seed.published >= "2024-12-11"
    assert (
        seed.url
        == "https://www.ccn.com/news/technology/russia-brics-target-us-chinas-ai-lead-new-alliance/"
    )
    assert "Brazil, India, South Africa, China" in seed.text
    for furniture in (
        "Was this Article helpful?",
        "Home / News",
        "London-based reporter",
        "See more",
    ):
        assert furniture not in seed.text


def test_text_file_takes_its_title_from_the_first_line():
    article = read_article(
        FIXTURE_ARTICLES / "2025-03-05-northbridge-compact.txt", FIXTURE_ARTICLES
    )
    assert article.title == "Northbridge Compact on AI Safety Signed in Lisbon"
    assert article.text.startswith("This article is an invented fixture")
    assert article.id == "2025-03-05-northbridge-compact"


def test_html_page_yields_main_text_and_metadata_without_navigation_or_ads():
    article = read_article(
        FIXTURE_ARTICLES / "2025-06-20-kestrel-bay-data-centre.html", FIXTURE_ARTICLES
    )
    assert article.title == "Kestrel Bay Data Centre Opens With 300 Megawatts"
    assert (article.source, article.author) == ("Fixture Times", "Ada Moreno")
    assert article.published == "2025-06-20"
    assert article.url == "https://fixture.example/kestrel-bay-data-centre"
    assert "40,000 accelerators" in article.text
    assert "Subscribe" not in article.text and "Buy the best routers" not in article.text


def test_article_ids_are_stable_across_reads():
    first = [a.id for a in load_corpus(FIXTURE_ARTICLES).articles]
    second = [a.id for a in load_corpus(FIXTURE_ARTICLES).articles]
    assert first == second and len(set(first)) == len(first)


BAD_FILES = {
    "empty.md": (b"", "file is empty"),
    "latin1.txt": (b"Title\n\nCaf\xe9 au lait", "not valid UTF-8"),
    "broken.md": (b"---\ntitle: [unclosed\n---\nbody\n", "front matter: invalid YAML"),
    "unclosed.md": (b"---\ntitle: x\nbody without end\n", "has no closing '---'"),
    "notitle.md": (b"---\nsource: X\n---\nSome text.\n", "missing title"),
    "baddate.md": (b"---\ntitle: T\npublished: next week\n---\nText.\n", "is not a date"),
    "paper.pdf": (b"%PDF-1.4 binary", "unsupported file type '.pdf'"),
    "binary.txt": (b"Title\n\x00\x01\x02", "binary file"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_raises_an_error_naming_the_file_and_reason(tmp_path: Path, name: str):
    data, reason = BAD_FILES[name]
    (tmp_path / name).write_bytes(data)
    with pytest.raises(BadArticle) as caught:
        read_article(tmp_path / name, tmp_path)
    message = str(caught.value)
    assert name in message and reason in message
    assert "\n" not in message


def test_corpus_skips_bad_files_and_duplicates_and_keeps_the_rest(tmp_path: Path):
    for name, (data, _) in BAD_FILES.items():
        (tmp_path / name).write_bytes(data)
    good = (FIXTURE_ARTICLES / "2024-10-01-meridian-chip-rules.md").read_bytes()
    (tmp_path / "a-good.md").write_bytes(good)
    (tmp_path / "z-copy.md").write_bytes(good.replace(b"title:", b"id: other\ntitle:"))
    corpus = load_corpus(tmp_path)
    assert [a.id for a in corpus.articles] == ["a-good"]
    reasons = {Path(s.path).name: s.reason for s in corpus.skipped}
    assert set(reasons) == set(BAD_FILES) | {"z-copy.md"}
    assert reasons["z-copy.md"].startswith("duplicate of") and "a-good.md" in reasons["z-copy.md"]
