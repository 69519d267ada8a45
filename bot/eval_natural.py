"""Answer evaluation on questions as people type them (the "natural" format), by question kind.

A questions file (``questions.json``) holds ``answerable`` questions, each with ``expect`` (text
one quote must contain; a list: any one of them), optional ``also`` (text that some quote must
contain as well) and optional ``args`` (``geoqa ask`` filter options: ``--source``, ``--since``,
``--until``); ``near_miss`` questions (on topic, but the articles don't answer them) and
``off_topic`` ones, which must both be refused. Text is compared case-insensitively with
whitespace, line breaks and curly quotes folded. The questions are asked over one index of the
given article folders (normally the file's own ``corpus/`` and the project's corpus).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.answer import Answer
from bot.eval import contains_answer, index_folders
from index import DatasetError, Embedder, Filters, parse_day
from index.eval.data import read_text

GROUPS = ("answerable", "near_miss", "off_topic")
FILTER_OPTIONS = {"--source": "source", "--since": "since", "--until": "until"}

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Case:
    """One question, the group it belongs to and, if answerable, what its quotes must hold."""

    question: str
    group: str
    expect: tuple[str, ...] = ()
    also: tuple[str, ...] = ()
    filters: Filters = field(default_factory=Filters)

    def right(self, answer: Answer) -> bool:
        """Whether the answer is what this case asks: found with the expected text, or refused."""
        if self.group != "answerable":
            return not answer.found
        quotes = [q.text for q in answer.quotes]
        return (
            answer.found
            and any(contains_answer([q], [[e]]) for e in self.expect for q in quotes)
            and all(any(contains_answer([q], [[a]]) for q in quotes) for a in self.also)
        )


def _filters(path: Path, args: object) -> Filters:
    if not isinstance(args, list) or len(args) % 2 or not all(isinstance(a, str) for a in args):
        raise DatasetError(path, f"'args' must be a list of option, value pairs, not {args!r}")
    values: dict = {}
    for option, value in zip(args[::2], args[1::2], strict=True):
        name = FILTER_OPTIONS.get(option)
        if name is None:
            raise DatasetError(path, f"unknown option {option!r} in 'args'")
        values[name] = value if name == "source" else parse_day(value, option)
    return Filters(**values)


def _texts(path: Path, value: object, what: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
        raise DatasetError(path, f"{what} must be text or a list of text")
    return tuple(items)


def load_cases(path: Path) -> list[Case]:
    """The questions of a natural-format file, answerable ones first."""
    try:
        data = json.loads(read_text(path))
    except ValueError as exc:
        raise DatasetError(path, f"not JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("answerable"), list):
        raise DatasetError(path, "expected an object with an 'answerable' list")
    cases = []
    for item in data["answerable"]:
        if not isinstance(item, dict) or not isinstance(item.get("q"), str):
            raise DatasetError(path, 'each answerable item needs "q" and "expect"')
        cases.append(
            Case(
                item["q"],
                "answerable",
                _texts(path, item.get("expect"), "'expect'"),
                _texts(path, item.get("also", []), "'also'"),
                _filters(path, item.get("args", [])),
            )
        )
    for group in GROUPS[1:]:
        questions = data.get(group, [])
        if not isinstance(questions, list) or not all(isinstance(q, str) for q in questions):
            raise DatasetError(path, f"{group!r} must be a list of questions")
        cases.extend(Case(q, group) for q in questions)
    return cases


@dataclass
class NaturalReport:
    """Right answers per group and per question kind; ``as_json`` is the ``--json`` object."""

    groups: dict[str, list[int]] = field(default_factory=dict)  # group → [right, n]
    kinds: dict[str, list[int]] = field(default_factory=dict)  # kind → [right, n]
    quotes: int = 0
    verbatim: int = 0
    rows: list[dict] = field(default_factory=list)

    def add(self, case: Case, answer: Answer, verbatim: int) -> None:
        """Count one answered case."""
        right = case.right(answer)
        for table, key in ((self.groups, case.group), (self.kinds, answer.kind)):
            table.setdefault(key, [0, 0])
            table[key][0] += right
            table[key][1] += 1
        self.quotes += len(answer.quotes)
        self.verbatim += verbatim
        self.rows.append(
            {
                "q": case.question,
                "group": case.group,
                "kind": answer.kind,
                "right": right,
                "found": answer.found,
                "reason": answer.reason,
                "lead": answer.lead,
            }
        )

    @property
    def verbatim_rate(self) -> float:
        """Share of quotes equal to their stored article's text[start:end] (1.0 with no quotes)."""
        return self.verbatim / self.quotes if self.quotes else 1.0

    def as_json(self) -> dict:
        """Right/total per group and per kind, and the verbatim rate."""
        return {
            **{g: {"right": r, "n": n} for g, (r, n) in self.groups.items()},
            "by_kind": {k: {"right": r, "n": n} for k, (r, n) in sorted(self.kinds.items())},
            "verbatim_rate": round(self.verbatim_rate, 4),
        }


def evaluate_natural(
    path: Path,
    corpus_dirs: Sequence[Path],
    index_dir: Path,
    embedder: Embedder,
    progress: Progress | None = None,
) -> NaturalReport:
    """Index ``corpus_dirs`` together (reusing ``index_dir``'s cache) and ask every question."""
    cases = load_cases(path)
    qa = index_folders(corpus_dirs, index_dir, embedder)
    report = NaturalReport()
    try:
        for done, case in enumerate(cases, 1):
            answer = qa.ask(case.question, case.filters)
            verbatim = sum(
                qa.store.text(q.article_id)[q.start : q.end] == q.text for q in answer.quotes
            )
            report.add(case, answer, verbatim)
            if progress is not None:
                progress(done, len(cases))
    finally:
        qa.store.close()
    return report
