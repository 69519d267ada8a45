"""Fitting the answer model (``bot.scoring``) on data the rules were not written from.

Runs: each RGB question examined as the answer evaluation asks it (``bot.eval``) — over its
positive and negative passages, and over its negative passages alone —; each question of a
calibration set over its corpus; and each answerable one again with the sentences holding its
answer cut out. :func:`fit_ranking` fits the ranking weights as a conditional logit over each
answerable run's eligible candidates (a candidate is right when it holds the answer;
L2-penalised, Newton's method); :func:`choose_threshold` then picks the threshold (and the
off-topic cosine) with the best balanced accuracy over the groups in :data:`CHOOSING`: an
answerable run is right when the answer is found and quoted, an unanswerable one when it is
refused. See docs/answers.md.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.errors import InvalidQuestion
from bot.eval import PassageAsker, contains_answer, index_folders, load_rgb
from bot.qa import QA, Examined
from bot.scoring import FEATURES, AnswerModel, Weights
from bot.sentences import split_sentences
from index import DatasetError, Embedder, build_index, load_corpus
from index.articles.frontmatter import to_markdown
from index.eval.data import read_text

L2 = 1.0  # penalty on the weights (not the bias)
# The groups of runs the decision is chosen on, each counting the same. Two more are only
# reported. RGB's negative-only runs: their passages were retrieved for the very question and
# differ from an answer only in a detail (another year's winner). The calibration questions with
# their answer cut out of the articles: the topic stays, the answer is gone. Sentence-level
# evidence separates neither well from answerable questions; counted, they pull the threshold to
# where most loosely worded answerable questions are refused (see docs/answers.md).
CHOOSING = frozenset({"rgb answerable", "calibration answerable", "calibration unanswerable"})
NEWTON_STEPS = 50

Progress = Callable[[int, int], None]


@dataclass
class Run:
    """One examined question over one set of passages, and what a right decision is."""

    examined: Examined
    qa: QA
    parts: list[list[str]]
    answerable: bool  # the passages hold the answer
    group: str  # which data set and half it belongs to, for balanced accuracy
    holding: frozenset[str] | None = None  # the article ids that may hold the answer (all: None)

    def label(self, cand) -> bool:
        """Whether a candidate sentence answers: it holds the first part of the answer, in an
        article that may hold it."""
        if self.holding is not None and cand.sentence.article_id not in self.holding:
            return False
        return contains_answer([cand.sentence.text], self.parts[:1])


@dataclass(frozen=True)
class Calibration:
    """Fitted weights, the chosen threshold, and how many runs each decides right."""

    model: AnswerModel
    accuracy: dict[str, float]
    runs: int
    examples: int

    def as_json(self) -> dict:
        """The outcome as one JSON-ready object."""
        return {
            "ranking": {k: round(v, 3) for k, v in dataclasses.asdict(self.model.ranking).items()},
            "threshold": self.model.threshold,
            "off_topic_cosine": self.model.off_topic_cosine,
            "accuracy": {k: round(v, 4) for k, v in self.accuracy.items()},
            "runs": self.runs,
            "examples": self.examples,
        }


def collect_runs(
    path: Path, index_dir: Path, embedder: Embedder, progress: Progress | None = None
) -> list[Run]:
    """Examine every RGB question over its passages, and over its negative passages alone."""
    cases = load_rgb(path)
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="geoqa-fit-") as tmp:
        asker = PassageAsker(index_dir, embedder, Path(tmp))
        for done, case in enumerate(cases, 1):
            holding = frozenset(f"p{n:03d}" for n in range(len(case.positive)))
            sets = [(case.positive + case.negative, True, "rgb answerable", holding)]
            if case.negative:
                sets.append((case.negative, False, "rgb negative only", frozenset()))
            for passages, answerable, group, ids in sets:
                with asker.index_of(passages) as (qa, _):
                    try:
                        examined = qa.examine(case.query)
                    except InvalidQuestion:
                        continue
                    for cand in examined.candidates:  # texts stay cached once the store closes
                        qa.store.text(cand.sentence.article_id)
                    runs.append(Run(examined, qa, case.parts, answerable, group, ids))
            if progress is not None:
                progress(done, len(cases))
    return runs


def question_runs(
    qa: QA,
    answerable: Sequence[tuple[str, list[list[str]]]],
    unanswerable: Sequence[str],
    name: str,
) -> list[Run]:
    """Runs of questions over one index: answerable ones with the parts their quotes must hold,
    and ones that must be refused."""
    runs = []
    for question, parts in answerable:
        runs.append(Run(qa.examine(question), qa, parts, True, f"{name} answerable"))
    for question in unanswerable:
        runs.append(Run(qa.examine(question), qa, [], False, f"{name} unanswerable"))
    return runs


def _matrix(candidates) -> np.ndarray:
    rows = [c.evidence().vector() for c in candidates]
    return np.array(rows, dtype=np.float64).reshape(-1, len(FEATURES))


def _newton(gradient_hessian: Callable, size: int) -> np.ndarray:
    w = np.zeros(size)
    for _ in range(NEWTON_STEPS):
        gradient, hessian = gradient_hessian(w)
        step = np.linalg.solve(hessian + 1e-9 * np.eye(size), gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def fit_ranking(runs: Sequence[Run], l2: float = L2) -> Weights:
    """A conditional logit over each answerable run's eligible candidates: the weights that make
    the sentences holding the answer the likeliest of their question's."""
    groups = []
    for run in runs:
        eligible = run.examined.eligible()
        labels = np.array([run.label(c) for c in eligible], dtype=float)
        if run.answerable and 0 < labels.sum() < len(labels):
            groups.append((_matrix(eligible), labels / labels.sum()))
    size = len(FEATURES)

    def gradient_hessian(w):
        gradient, hessian = l2 * w, l2 * np.eye(size)
        for x, target in groups:
            z = x @ w
            p = np.exp(z - z.max())
            p /= p.sum()
            mean = p @ x
            gradient = gradient + (mean - target @ x)
            centred = x - mean
            hessian = hessian + (centred * p[:, None]).T @ centred
        return gradient, hessian

    w = _newton(gradient_hessian, size)
    return Weights(**dict(zip(FEATURES, w.tolist(), strict=True)))


def decide_right(run: Run, model: AnswerModel) -> bool:
    """Whether the engine, with this model, decides this run right."""
    qa = run.qa
    qa.model = model
    for cand in run.examined.candidates:
        qa.model_score(cand)
    answer = qa.decide(run.examined)
    if not run.answerable:
        return not answer.found
    return answer.found and contains_answer([q.text for q in answer.quotes], run.parts)


def balanced_accuracy(runs: Sequence[Run], model: AnswerModel) -> dict[str, float]:
    """Share of runs decided right in each group, and the mean of the groups that
    :data:`CHOOSING` names (``"balanced"``)."""
    groups: dict[str, list[bool]] = {}
    for run in runs:
        groups.setdefault(run.group, []).append(decide_right(run, model))
    shares = {g: sum(v) / len(v) for g, v in sorted(groups.items())}
    chosen = [v for g, v in shares.items() if g in CHOOSING]
    shares["balanced"] = sum(chosen) / max(len(chosen), 1)
    return shares


OFF_TOPIC_COSINES = (0.2, 0.25, 0.3, 0.35, 0.4)
THRESHOLD_STEP = 0.05


def choose_threshold(runs: Sequence[Run], ranking: Weights) -> tuple[AnswerModel, dict]:
    """The decision with the best balanced accuracy (each group of runs counts the same): the
    off-topic cosine from a short grid, the lowest that does best, and the threshold on the best
    sentence's score, the middle of the best stretch of a fine grid."""
    scores = [ranking.logit(c.evidence()) for run in runs for c in run.examined.eligible()] or [0.0]
    grid = np.arange(min(scores), max(scores) + THRESHOLD_STEP, THRESHOLD_STEP)
    best = None
    for cosine in OFF_TOPIC_COSINES:
        scored = [
            (round(balanced_accuracy(runs, AnswerModel(ranking, t, cosine))["balanced"], 4), t)
            for t in (round(float(t), 2) for t in grid)
        ]
        top = max(b for b, _ in scored)
        plateau = [t for b, t in scored if b == top]
        if best is None or top > best[0]:
            best = (top, AnswerModel(ranking, plateau[len(plateau) // 2], cosine))
    return best[1], balanced_accuracy(runs, best[1])


def calibrate(runs: Sequence[Run], l2: float = L2) -> Calibration:
    """Fit the ranking on which sentences answer, then choose the threshold on the runs."""
    ranking = fit_ranking(runs, l2)
    model, accuracy = choose_threshold(runs, ranking)
    return Calibration(model, accuracy, len(runs), sum(len(r.examined.candidates) for r in runs))


def case_runs(
    cases_path: Path, corpus_dirs: Sequence[Path], index_dir: Path, embedder: Embedder
) -> list[Run]:
    """Runs of a question set (``{"answerable": [{"q", "expect"}], "unanswerable": [{"q"}]}``)
    over one index of ``corpus_dirs``; an ``expect`` list names parts the quotes must all hold."""
    cases = load_calibration(cases_path)
    qa = index_folders(corpus_dirs, index_dir, embedder)
    answerable = [
        (c["q"], [[c["expect"]]] if isinstance(c["expect"], str) else [[x] for x in c["expect"]])
        for c in cases
        if "expect" in c
    ]
    unanswerable = [c["q"] for c in cases if "expect" not in c]
    return question_runs(qa, answerable, unanswerable, "calibration")


def removed_runs(
    cases_path: Path, corpus_dirs: Sequence[Path], index_dir: Path, embedder: Embedder
) -> list[Run]:
    """Near misses made from the answerable questions of a question set: each asked over the
    corpus with the sentences that hold its answer cut out of their articles. The topic is still
    there, the answer is not: these must be refused."""
    cases = [c for c in load_calibration(cases_path) if "expect" in c]
    runs = []
    with tempfile.TemporaryDirectory(prefix="geoqa-removed-") as tmp:
        for case in cases:
            parts = [case["expect"]] if isinstance(case["expect"], str) else case["expect"]
            corpus = Path(tmp) / "corpus"
            shutil.rmtree(corpus, ignore_errors=True)
            corpus.mkdir()
            for folder in corpus_dirs:
                shutil.copytree(folder, corpus, dirs_exist_ok=True)
            _cut_sentences(corpus, parts)
            build_index(corpus, index_dir, embedder)
            qa = QA.open(index_dir, embedder)
            examined = qa.examine(case["q"])
            for cand in examined.candidates:  # texts stay cached once the store closes
                qa.store.text(cand.sentence.article_id)
            qa.store.close()
            runs.append(Run(examined, qa, [], False, "calibration answer removed"))
    return runs


def _cut_sentences(corpus: Path, parts: Sequence[str]) -> None:
    """Rewrite every article of ``corpus`` holding one of ``parts`` without the sentences that
    hold it (as Markdown with the same id, title and metadata)."""
    for article in load_corpus(corpus).articles:
        spans = [
            (s.start, s.end)
            for s in split_sentences(article.id, article.text)
            if contains_answer([s.text], [parts]) or any(p in s.text for p in parts)
        ]
        if not spans:
            continue
        text = article.text
        for start, end in sorted(spans, reverse=True):
            text = text[:start] + text[end:]
        fields = {
            "id": article.id,
            "title": article.title,
            "source": article.source,
            "published": article.published,
            "url": article.url,
        }
        Path(article.path).unlink()
        (corpus / f"{article.id}.md").write_text(to_markdown(fields, text), encoding="utf-8")


def calibrate_on(
    rgb_path: Path,
    cases_path: Path,
    corpus_dirs: Sequence[Path],
    index_dir: Path,
    embedder: Embedder,
    progress: Progress | None = None,
) -> Calibration:
    """Fit the answer model on an RGB file and a question set over ``corpus_dirs``."""
    runs = collect_runs(rgb_path, index_dir / "rgb", embedder, progress)
    runs += case_runs(cases_path, corpus_dirs, index_dir / "cases", embedder)
    runs += removed_runs(cases_path, corpus_dirs, index_dir / "removed", embedder)
    return calibrate(runs)


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
