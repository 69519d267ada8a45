"""Synthetic news-like articles for benchmarks (deterministic for a given seed)."""

from __future__ import annotations

import random
from pathlib import Path

COUNTRIES = [
    "Russia",
    "China",
    "India",
    "Brazil",
    "South Africa",
    "the United States",
    "Japan",
    "France",
    "Germany",
    "Kenya",
    "Chile",
    "Indonesia",
    "Turkey",
    "Mexico",
    "Canada",
]
ACTORS = [
    "regulators",
    "the trade ministry",
    "chip makers",
    "cloud providers",
    "researchers",
    "the central bank",
    "lawmakers",
    "a state-owned lab",
    "start-ups",
    "the defence ministry",
]
VERBS = [
    "announced",
    "criticised",
    "delayed",
    "approved",
    "tightened",
    "relaxed",
    "investigated",
    "proposed",
    "funded",
    "questioned",
]
TOPICS = [
    "export controls on AI accelerators",
    "a national AI strategy",
    "data-centre subsidies",
    "rules for frontier models",
    "sanctions on lithography tools",
    "an AI safety institute",
    "cross-border data flows",
    "chip tariffs",
    "a sovereign cloud",
    "open-source models",
]
DETAILS = [
    "citing security concerns",
    "after months of talks",
    "despite industry objections",
    "in a move analysts called overdue",
    "as prices for GPUs kept rising",
    "with a budget of {n} billion dollars",
    "covering {n} companies",
    "taking effect in {y}",
    "according to people familiar with the matter",
]


def sentence(rng: random.Random) -> str:
    detail = rng.choice(DETAILS).format(n=rng.randint(2, 90), y=rng.randint(2025, 2030))
    return (
        f"{rng.choice(ACTORS).capitalize()} in {rng.choice(COUNTRIES)} {rng.choice(VERBS)} "
        f"{rng.choice(TOPICS)} {detail}."
    )


def article_text(rng: random.Random, paragraphs: int = 6) -> str:
    return "\n\n".join(
        " ".join(sentence(rng) for _ in range(rng.randint(2, 4))) for _ in range(paragraphs)
    )


def write_corpus(folder: Path, n: int, seed: int = 7) -> list[Path]:
    """Write ``n`` Markdown articles with front matter into ``folder``."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        day = f"2025-{rng.randint(1, 12):02}-{rng.randint(1, 28):02}"
        path = folder / f"synthetic-{i:05}.md"
        path.write_text(
            f'---\ntitle: "Synthetic report {i}: {rng.choice(TOPICS)}"\n'
            f"source: {rng.choice(['Bench Wire', 'Synthetic Times', 'Filler Daily'])}\n"
            f"published: {day}\n---\n\n{article_text(rng)}\n",
            encoding="utf-8",
        )
        paths.append(path)
    return paths
