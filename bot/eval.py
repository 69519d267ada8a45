"""Answer evaluation on RGB-format questions: accuracy, refusals and verbatim quotes.

Each question is answered twice, each time from an index of its own passages only: its positive
and negative passages (counted correct when the quotes contain every required part of the
answer), then its negative passages alone (counted a correct refusal when nothing is found).
``positive_wrong`` and ``fakeanswer`` are not used. All the per-question indexes are built in one
index folder, so its embedding cache means no passage is ever embedded twice.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.qa import QA, Answer
from index.build import build_index
from index.embedding import Embedder
from index.errors import InvalidQuestion
from index.eval import DatasetError, read_jsonl, write_article

log = logging.getLogger(__name__)

PASSAGE_TITLE = "Passage"  # RGB passages have no titles; one neutral title for all of them

Progress = Callable[[int, int], None]


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


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def contains_answer(quotes: Sequence[str], parts: Sequence[Sequence[str]]) -> bool:
    """Whether the quotes together contain every part, each in any of its spellings (case and
    runs of whitespace ignored)."""
    joined = _normal("\n".join(quotes))
    return all(any(_normal(s) in joined for s in spellings) for spellings in parts)


@dataclass
class AnswerReport:
    """Counts of one answer evaluation; ``as_json`` is the ``--json`` object."""

    n: int = 0
    correct: int = 0
    refusal_cases: int = 0
    refused: int = 0
    quotes: int = 0
    verbatim: int = 0

    @property
    def accuracy(self) -> float:
        """Share of questions whose quotes contain the whole answer."""
        return self.correct / self.n if self.n else 0.0

    @property
    def refusal_rate(self) -> float:
        """Share of negative-passages-only runs that found nothing."""
        return self.refused / self.refusal_cases if self.refusal_cases else 0.0

    @property
    def verbatim_rate(self) -> float:
        """Share of quotes equal to their stored article's text[start:end] (1.0 with no quotes)."""
        return self.verbatim / self.quotes if self.quotes else 1.0

    def as_json(self) -> dict:
        """The rates and the number of questions as one JSON-ready object."""
        return {
            "accuracy": round(self.accuracy, 4),
            "refusal_rate": round(self.refusal_rate, 4),
            "verbatim_rate": round(self.verbatim_rate, 4),
            "n": self.n,
        }


class PassageAsker:
    """Asks a question over an index of just the given passages, rebuilt in one index folder;
    chunk embeddings come from that folder's cache and sentence embeddings are kept across
    questions, so nothing is embedded twice."""

    def __init__(self, index_dir: Path, embedder: Embedder, work_dir: Path) -> None:
        self.index_dir = index_dir
        self.embedder = embedder
        self.work_dir = work_dir
        self._sentences: OrderedDict = OrderedDict()

    def ask(self, question: str, passages: Sequence[str]) -> tuple[Answer | None, int, int]:
        """The answer (None for a question QA refuses as invalid), its quote count and how many
        of its quotes are verbatim: the stored article's text[start:end], and found in the
        passage as given."""
        corpus = self.work_dir / "corpus"
        shutil.rmtree(corpus, ignore_errors=True)
        corpus.mkdir(parents=True)
        given = {f"p{n:03d}": passage for n, passage in enumerate(passages)}
        for article_id, passage in given.items():
            write_article(corpus / f"{article_id}.md", article_id, PASSAGE_TITLE, passage)
        build_index(corpus, self.index_dir, self.embedder)
        qa = QA.open(self.index_dir, self.embedder)
        qa._vectors = self._sentences  # share sentence embeddings: keyed by text, not by index
        try:
            answer = qa.ask(question)
            verbatim = sum(
                qa.store.text(q.article_id)[q.start : q.end] == q.text
                and q.text in given[q.article_id]
                for q in answer.quotes
            )
        except InvalidQuestion as exc:
            log.warning("question not asked: %s", exc)
            return None, 0, 0
        finally:
            qa.store.close()
        return answer, len(answer.quotes), verbatim


def evaluate_answers(
    path: Path, index_dir: Path, embedder: Embedder, progress: Progress | None = None
) -> AnswerReport:
    """Answer every question of an RGB file from its own passages; see the module docstring."""
    cases = load_rgb(path)
    report = AnswerReport(n=len(cases))
    with tempfile.TemporaryDirectory(prefix="geoqa-rgb-") as tmp:
        asker = PassageAsker(index_dir, embedder, Path(tmp))
        for done, case in enumerate(cases, 1):
            _score_case(asker, case, report)
            if progress is not None:
                progress(done, len(cases))
    return report


def _score_case(asker: PassageAsker, case: RgbCase, report: AnswerReport) -> None:
    answer, quotes, verbatim = asker.ask(case.query, case.positive + case.negative)
    report.quotes += quotes
    report.verbatim += verbatim
    if answer is not None and answer.found:
        report.correct += contains_answer([q.text for q in answer.quotes], case.parts)
    if not case.negative:
        return
    answer, quotes, verbatim = asker.ask(case.query, case.negative)
    report.quotes += quotes
    report.verbatim += verbatim
    report.refusal_cases += 1
    report.refused += answer is None or not answer.found
