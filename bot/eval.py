"""Answer evaluation on RGB-format questions: accuracy, refusals and verbatim quotes, by
question kind (fitting the answer model is ``bot.calibrate``; questions as people type them,
``bot.eval_natural``).

RGB: each question is answered twice, each time from an index of its own passages only: its positive
and negative passages (counted correct when the quotes contain every required part of the
answer), then its negative passages alone (counted a correct refusal when nothing is found).
``positive_wrong`` and ``fakeanswer`` are not used. All the per-question indexes are built in one
index folder, so its embedding cache means no passage is ever embedded twice.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bot.answer import Answer
from bot.errors import InvalidQuestion
from bot.qa import QA, SENTENCE_CACHE
from index import LRU, DatasetError, Embedder, RgbCase, build_index, load_rgb, write_article

log = logging.getLogger(__name__)

PASSAGE_TITLE = "Passage"  # RGB passages have no titles; one neutral title for all of them

Progress = Callable[[int, int], None]


QUOTE_MARKS = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "‚": "'"})


def _normal(text: str) -> str:
    """Text as answers are compared: whitespace folded, curly quotes straightened, case folded."""
    return " ".join(text.translate(QUOTE_MARKS).split()).casefold()


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
    kinds: dict[str, list[int]] = field(default_factory=dict)  # question kind → [correct, n]

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
            "by_kind": {k: {"correct": c, "n": n} for k, (c, n) in sorted(self.kinds.items())},
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

    @contextmanager
    def index_of(self, passages: Sequence[str]) -> Iterator[tuple[QA, dict[str, str]]]:
        """A QA over an index of just ``passages`` (article id → passage, as given)."""
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
            yield qa, given
        finally:
            qa.store.close()

    def ask(self, question: str, passages: Sequence[str]) -> tuple[Answer | None, int, int]:
        """The answer (None for a question QA refuses as invalid), its quote count and how many
        of its quotes are verbatim: the stored article's text[start:end], and found in the
        passage as given."""
        with self.index_of(passages) as (qa, given):
            try:
                answer = qa.ask(question)
            except InvalidQuestion as exc:
                log.warning("question not asked: %s", exc)
                return None, 0, 0
            verbatim = sum(
                qa.store.text(q.article_id)[q.start : q.end] == q.text
                and q.text in given[q.article_id]
                for q in answer.quotes
            )
        return answer, len(answer.quotes), verbatim


def index_folders(corpus_dirs: Sequence[Path], index_dir: Path, embedder: Embedder) -> QA:
    """A QA over one index of the articles of ``corpus_dirs`` together, built in ``index_dir``
    (whose embedding cache is reused)."""
    with tempfile.TemporaryDirectory(prefix="geoqa-eval-corpus-") as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        for folder in corpus_dirs:
            if not Path(folder).is_dir():
                raise DatasetError(folder, "no such article folder")
            shutil.copytree(folder, corpus, dirs_exist_ok=True)
        build_index(corpus, index_dir, embedder)
    return QA.open(index_dir, embedder)


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
    correct = bool(
        answer is not None
        and answer.found
        and contains_answer([q.text for q in answer.quotes], case.parts)
    )
    report.correct += correct
    kind = report.kinds.setdefault(answer.kind if answer is not None else "invalid", [0, 0])
    kind[0] += correct
    kind[1] += 1
    if not case.negative:
        return
    answer, quotes, verbatim = asker.ask(case.query, case.negative)
    report.quotes += quotes
    report.verbatim += verbatim
    report.refusal_cases += 1
    report.refused += answer is None or not answer.found
