"""The RGB answer data set format: one JSON object per line with ``query``, ``answer`` (text, or
a list of required parts, each a list of accepted spellings), ``positive`` and ``negative``
passages. ``positive_wrong`` and ``fakeanswer`` are not read."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from index.eval.data import DatasetError, read_jsonl


@dataclass(frozen=True)
class RgbCase:
    """One question: the required parts of its answer (each a list of accepted spellings) and
    the passages it may be answered from."""

    query: str
    parts: list[list[str]]
    positive: list[str]
    negative: list[str]


def _parts(path: Path, number: int, answer: object) -> list[list[str]]:
    """RGB's answer field: a string, or a list of parts, each a string or a list of spellings."""
    bad = DatasetError(path, f"line {number}: 'answer' must be text or a list of text / lists")
    if isinstance(answer, str):
        answer = [answer]
    if not isinstance(answer, list) or not answer:
        raise bad
    parts = []
    for item in answer:
        spellings = [item] if isinstance(item, str) else item
        if not isinstance(spellings, list) or not spellings:
            raise bad
        if not all(isinstance(s, str) and s.strip() for s in spellings):
            raise bad
        parts.append(spellings)
    return parts


def _passages(path: Path, number: int, row: dict, key: str) -> list[str]:
    value = row.get(key)
    if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
        raise DatasetError(path, f"line {number}: {key!r} must be a list of passages")
    return [p for p in value if p.strip()]


def load_rgb(path: Path) -> list[RgbCase]:
    """The questions of an RGB file (one JSON object per line)."""
    cases = []
    for number, row in read_jsonl(path):
        query = row.get("query")
        if not isinstance(query, str) or not query.strip():
            raise DatasetError(path, f"line {number}: missing or empty 'query'")
        if "answer" not in row:
            raise DatasetError(path, f"line {number}: missing 'answer'")
        case = RgbCase(
            query,
            _parts(path, number, row["answer"]),
            _passages(path, number, row, "positive"),
            _passages(path, number, row, "negative"),
        )
        if not case.positive and not case.negative:
            raise DatasetError(path, f"line {number}: no passages")
        cases.append(case)
    if not cases:
        raise DatasetError(path, "no questions")
    return cases
