"""Answer evaluation: accuracy, refusals and verbatim quotes on RGB-format questions, and the
calibration of the "found" threshold on a set of answerable and unanswerable questions.

RGB: each question is answered twice, each time from an index of its own passages only: its positive
and negative passages (counted correct when the quotes contain every required part of the
answer), then its negative passages alone (counted a correct refusal when nothing is found).
``positive_wrong`` and ``fakeanswer`` are not used. All the per-question indexes are built in one
index folder, so its embedding cache means no passage is ever embedded twice.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bot.answer import Answer
from bot.errors import InvalidQuestion
from bot.qa import QA, SENTENCE_CACHE, THRESHOLD
from index import LRU, DatasetError, Embedder, RgbCase, build_index, load_rgb, write_article
from index.eval.data import read_text

log = logging.getLogger(__name__)

PASSAGE_TITLE = "Passage"  # RGB passages have no titles; one neutral title for all of them

Progress = Callable[[int, int], None]


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
        self._sentences: LRU[str, np.ndarray] = LRU(SENTENCE_CACHE)

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
        # Sentence embeddings are keyed by text, not by index: one memory serves every question.
        qa = QA.open(self.index_dir, self.embedder, sentence_vectors=self._sentences)
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


# ----------------------------------------------------------------------------- calibration


def quotes_contain(answer: Answer, expect: str | list[str]) -> bool:
    """Whether one quote contains ``expect``, or (a list) the quotes together name every item."""
    if isinstance(expect, str):
        return any(expect in q.text for q in answer.quotes)
    joined = "\n".join(q.text for q in answer.quotes)
    return all(item in joined for item in expect)


def load_calibration(path: Path) -> list[dict]:
    """The questions of a calibration file: ``{"answerable": [{"q", "expect"}, …],
    "unanswerable": [{"q"}, …]}``; answerable ones first."""
    try:
        data = json.loads(read_text(path))
        cases = data["answerable"] + data["unanswerable"]
        if not all(isinstance(c, dict) and isinstance(c.get("q"), str) for c in cases):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        raise DatasetError(
            path, "expected 'answerable' and 'unanswerable' lists of {\"q\": …} objects"
        ) from None
    return cases


def score_all(qa: QA, cases: Sequence[dict]) -> list[dict]:
    """Ask each question (with the threshold disabled); record its best score and whether the
    expected text was quoted."""
    rows = []
    for case in cases:
        answer = qa.ask(case["q"])
        best = max((q.score for q in answer.quotes), default=0.0)
        quoted = "expect" in case and quotes_contain(answer, case["expect"])
        rows.append(
            {"q": case["q"], "answerable": "expect" in case, "best": best, "quoted": quoted}
        )
    return rows


def accuracy(rows: Sequence[dict], threshold: float) -> float:
    """Share of questions handled right: answerable ones found and quoted, others refused."""
    right = 0
    for row in rows:
        found = row["best"] >= threshold
        right += (found and row["quoted"]) if row["answerable"] else not found
    return right / len(rows)


@dataclass
class Calibration:
    """The accuracy of the current threshold and of the best one; ``as_json`` is the summary."""

    threshold: float
    accuracy: float
    best_threshold: float
    best_accuracy: float
    rows: list[dict] = field(default_factory=list)

    def as_json(self) -> dict:
        """The summary as one JSON-ready object."""
        return {
            "threshold": self.threshold,
            "accuracy": self.accuracy,
            "best_threshold": self.best_threshold,
            "best_accuracy": self.best_accuracy,
            "questions": len(self.rows),
        }


def calibrate(
    cases_path: Path, corpus_dirs: Sequence[Path], index_dir: Path, embedder: Embedder
) -> Calibration:
    """Index the articles of ``corpus_dirs`` together (in ``index_dir``, whose embedding cache
    is reused), ask every question of ``cases_path`` with the threshold disabled, and measure
    the accuracy of every candidate threshold."""
    cases = load_calibration(cases_path)
    with tempfile.TemporaryDirectory(prefix="geoqa-calibrate-") as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        for folder in corpus_dirs:
            shutil.copytree(folder, corpus, dirs_exist_ok=True)
        build_index(corpus, index_dir, embedder)
    qa = QA.open(index_dir, embedder, threshold=-10.0)
    try:
        rows = score_all(qa, cases)
    finally:
        qa.store.close()
    grid = sorted({round(r["best"], 3) for r in rows} | {THRESHOLD})
    table = [(t, accuracy(rows, t)) for t in grid]
    best_t, best_acc = max(table, key=lambda ta: (ta[1], -abs(ta[0] - THRESHOLD)))
    return Calibration(THRESHOLD, accuracy(rows, THRESHOLD), best_t, best_acc, rows)
