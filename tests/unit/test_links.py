"""Links to the exact passage: URL text fragments (``#:~:text=start,end``) for quotes."""

from __future__ import annotations

from urllib.parse import unquote

from bot.answer import Answer, Quote, Source
from bot.render.discord import blocks
from bot.render.links import anchor_terms, encode_term, passage_url, quote_link, source_link

URL = "https://news.example/ai-alliance"
LONG = (
    "BRICS nations like China, India, South Africa, and Brazil may begin to share resources and "
    "expertise in developing AI technologies tailored to their specific needs and markets."
)


def fragment_terms(url: str) -> list[str]:
    """The decoded terms of a URL's text directive."""
    directive = url.split(":~:text=", 1)[1]
    return [unquote(term) for term in directive.split(",")]


def test_a_long_quote_is_anchored_on_its_first_and_last_words():
    url = passage_url(URL, LONG)
    assert url.startswith(f"{URL}#:~:text=")
    assert fragment_terms(url) == ["BRICS nations like China,", "specific needs and markets."]


def test_a_short_quote_is_one_term_and_spaces_are_percent_encoded():
    url = passage_url(URL, "Fourteen countries signed the Northbridge Compact.")
    assert url == f"{URL}#:~:text=Fourteen%20countries%20signed%20the%20Northbridge%20Compact."


def test_dashes_ampersands_and_commas_in_a_term_are_encoded():
    url = passage_url(URL, "U.S.-China talks, R&D and export-control rules")
    directive = url.split(":~:text=", 1)[1]
    assert "-" not in directive and "&" not in directive
    assert directive.count(",") == 0  # one term: its commas are encoded, not separators
    assert "%2D" in directive and "%26" in directive and "%2C" in directive
    assert fragment_terms(url) == ["U.S.-China talks, R&D and export-control rules"]


def test_typographic_quotes_and_non_ascii_letters_are_utf8_percent_encoded():
    quote = "“We must participate on equal terms,” the President said in Zürich."
    url = passage_url(URL, quote)
    directive = url.split(":~:text=", 1)[1]
    assert directive.isascii()
    assert directive.startswith("%E2%80%9CWe%20must")  # “
    assert directive.endswith("said%20in%20Z%C3%BCrich.")  # ü
    assert fragment_terms(url) == ["“We must participate on", "President said in Zürich."]


def test_cjk_text_is_anchored_too():
    url = passage_url(URL, "人工智能 联盟 网络 成员")
    assert fragment_terms(url) == ["人工智能 联盟 网络 成员"]


def test_markup_words_are_never_anchors_and_a_quote_without_plain_words_gets_the_plain_url():
    url = passage_url(URL, "**Update:** the council said the rules apply from March 2025.")
    assert fragment_terms(url) == ["the council said the", "apply from March 2025."]
    assert passage_url(URL, "| **Country** | [Brazil](x) |") == URL
    assert passage_url(URL, "— —") == URL
    assert anchor_terms("a *b* c") == ()


def test_an_existing_fragment_is_kept_and_a_missing_url_stays_missing():
    assert passage_url(f"{URL}#section-2", "Fourteen countries signed it.").startswith(
        f"{URL}#section-2:~:text=Fourteen"
    )
    assert passage_url(None, LONG) is None
    assert encode_term("a-b, c&d") == "a%2Db%2C%20c%26d"


def test_quote_and_source_links_in_an_answer_and_in_discord_markdown():
    source = Source(1, "seed", "The (Alliance) story", "CCN", f"{URL}_(2024)", "2024-12-12")
    bare = Source(2, "other", "No link", None, None, None)
    first = Quote(1, LONG, "seed", 0, len(LONG), 0.9)
    second = Quote(2, "A quote from an article without a URL.", "other", 0, 38, 0.8)
    answer = Answer("Who?", True, "China [1]", [first, second], [source, bare])
    assert quote_link(answer, first) == passage_url(source.url, LONG)
    assert source_link(answer, source) == quote_link(answer, first)
    assert quote_link(answer, second) is None and source_link(answer, bare) is None
    quote_block, bare_block = blocks(answer)[1:3]
    assert quote_block.endswith(")") and "#:~:text=BRICS" in quote_block
    assert "(2024%29" not in quote_block and "_%282024%29#:~:text=" in quote_block
    assert bare_block.endswith("`[2]`")
