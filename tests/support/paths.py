"""Where the test data lives, and facts about it that several tests check."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHIPPED_CORPUS = REPO / "corpus"
FIXTURES = REPO / "tests" / "fixtures"
FIXTURE_ARTICLES = FIXTURES / "articles"
# A hard-wrapped article (line breaks inside paragraphs), for the answer engine's tests only.
WRAPPED_ARTICLES = FIXTURES / "wrapped"
CALIBRATION = REPO / "tests" / "qa_calibration.json"
SEED_ID = "2024-12-12-russia-brics-ai-alliance-network"
# The member countries the seed article names for "Who is in the AI Alliance Network?".
MEMBERS = ("Brazil", "India", "South Africa", "China")
