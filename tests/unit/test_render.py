"""Rendering answers: plain text, the --json object and rich text, from the answer types alone."""

from __future__ import annotations

import io
import subprocess
import sys

from rich.console import Console

from bot.answer import Answer, Quote, Source
from bot.render.json import to_json
from bot.render.terminal import source_line, to_rich, to_text
from tests.support.paths import REPO

SOURCE = Source(1, "seed", "A Title", "CCN", "https://x.example/a", "2024-12-12")
QUOTE = Quote(1, "Brazil, India, South Africa, China", "seed", 10, 44, 0.81234)
FOUND = Answer("Who?", True, "Brazil, India, South Africa, China [1]", [QUOTE], [SOURCE])
REFUSED = Answer("What?", False, "The indexed articles don't cover this question.", [], [SOURCE])


def test_plain_text_has_the_lead_numbered_quotes_and_sources():
    assert to_text(FOUND).splitlines() == [
        FOUND.lead,
        "",
        "[1] “Brazil, India, South Africa, China”",
        "",
        "Sources:",
        "[1] A Title — CCN, 2024-12-12, https://x.example/a",
    ]
    assert "Closest sources:" in to_text(REFUSED) and "“" not in to_text(REFUSED)
    assert source_line(Source(2, "b", "Bare", None, None, None)) == "[2] Bare"


def test_the_json_object_has_the_documented_fields():
    data = to_json(FOUND)
    assert set(data) == {
        "question",
        "found",
        "kind",
        "reason",
        "answer",
        "quotes",
        "more",
        "sources",
    }
    (quote,) = data["quotes"]
    assert quote["score"] == 0.8123 and (quote["start"], quote["end"]) == (10, 44)
    assert quote["title"] == "A Title" and quote["url"] == "https://x.example/a"
    assert data["sources"] == [
        {
            "n": 1,
            "article_id": "seed",
            "title": "A Title",
            "source": "CCN",
            "url": "https://x.example/a",
            "published": "2024-12-12",
        }
    ]


def test_rich_text_shows_quotes_and_linked_sources():
    out = io.StringIO()
    Console(file=out, width=200).print(to_rich(FOUND))
    assert "│ Brazil, India, South Africa, China  [1]" in out.getvalue()
    assert "A Title — CCN, 2024-12-12 https://x.example/a" in out.getvalue()


def test_renderers_never_import_the_answer_algorithm():
    code = (
        "import sys, bot.render.terminal, bot.render.json, bot.render.discord\n"
        "print('bot.qa' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert done.stdout.strip() == "False", done.stderr
