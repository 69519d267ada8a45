"""Evaluation without the model: retrieval metrics, reading RGB and BEIR files (a bad one is one
line naming it), and when an answer counts as containing the expected one."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.calibrate import load_calibration
from bot.cli import cli
from bot.eval import contains_answer
from index.eval.data import DatasetError
from index.eval.metrics import mrr_at, ndcg_at, rank, recall_at, score_runs
from index.eval.rgb import load_rgb
from tests.support.paths import CALIBRATION, FIXTURES

BEIR_TINY = FIXTURES / "beir_tiny"
RGB_TINY = FIXTURES / "rgb_tiny.jsonl"
METRICS = {"ndcg_at_10", "recall_at_10", "recall_at_100", "mrr_at_10"}

# One query, graded: d1 is highly relevant (2), d2 relevant (1), d3 judged not relevant (0).
JUDGED = {"d1": 2, "d2": 1, "d3": 0}
RUN = {"d3": 0.9, "d1": 0.8, "dx": 0.7, "d2": 0.6}  # ranks: d3, d1, dx, d2


def run_eval(embedder, *args: str):
    return CliRunner().invoke(cli, ["eval", *args], obj={"embedder": embedder})


# ------------------------------------------------------------------------------ metrics


def test_ndcg_uses_graded_gains_and_a_log2_discount():
    # DCG = 0/log2(2) + 2/log2(3) + 0/log2(4) + 1/log2(5); ideal = 2/log2(2) + 1/log2(3)
    expected = (2 / math.log2(3) + 1 / math.log2(5)) / (2 + 1 / math.log2(3))
    assert ndcg_at(rank(RUN), JUDGED, 10) == pytest.approx(expected)
    assert expected == pytest.approx(0.64332, abs=1e-5)


def test_ndcg_cuts_both_the_ranking_and_the_ideal_at_k():
    # top 2 = d3, d1: DCG = 2/log2(3); ideal top 2 = 2, 1
    assert ndcg_at(rank(RUN), JUDGED, 2) == pytest.approx(
        (2 / math.log2(3)) / (2 + 1 / math.log2(3))
    )
    assert ndcg_at(["d1", "d2"], JUDGED, 10) == pytest.approx(1.0)
    assert ndcg_at(["d2", "d1"], JUDGED, 10) == pytest.approx(
        (1 + 2 / math.log2(3)) / (2 + 1 / math.log2(3))
    )
    assert ndcg_at(["dx"], JUDGED, 10) == 0.0
    assert ndcg_at(["d1"], {"d1": 0}, 10) == 0.0  # nothing relevant: 0, not a division error


def test_recall_counts_relevant_documents_found_in_the_top_k():
    ranked = rank(RUN)
    assert recall_at(ranked, JUDGED, 10) == 1.0
    assert recall_at(ranked, JUDGED, 3) == 0.5  # d1 in, d2 at rank 4
    assert recall_at(ranked, JUDGED, 1) == 0.0  # d3 is judged but not relevant
    assert recall_at(["d1"], JUDGED, 100) == 0.5  # a short ranking is not padded


def test_mrr_is_the_reciprocal_rank_of_the_first_relevant_document_within_k():
    assert mrr_at(rank(RUN), JUDGED, 10) == 0.5
    assert mrr_at(rank(RUN), JUDGED, 1) == 0.0
    assert mrr_at(["dx", "dy", "d2"], JUDGED, 10) == pytest.approx(1 / 3)


def test_equal_scores_are_ordered_by_document_id_descending_as_trec_eval_does():
    tied = {"a": 0.5, "b": 0.5, "c": 0.9}
    assert rank(tied) == ["c", "b", "a"]
    assert mrr_at(rank(tied), {"a": 1}, 10) == pytest.approx(1 / 3)
    assert ndcg_at(rank(tied), {"a": 1}, 10) == pytest.approx(1 / math.log2(4))


def test_equal_relevance_grades_give_the_same_ideal_in_any_order():
    judged = {"a": 1, "b": 1}
    assert ndcg_at(["b", "a"], judged, 10) == ndcg_at(["a", "b"], judged, 10) == 1.0
    assert ndcg_at(["x", "a"], judged, 10) == pytest.approx(
        (1 / math.log2(3)) / (1 + 1 / math.log2(3))
    )


def test_scores_are_means_over_the_judged_queries_and_a_missing_run_scores_zero():
    scores = score_runs({"q1": RUN}, {"q1": JUDGED, "q2": {"d9": 1}})
    assert scores["mrr_at_10"] == pytest.approx(0.25)
    assert scores["recall_at_10"] == pytest.approx(0.5)
    assert set(scores) == METRICS


def test_rgb_cases_use_positive_and_negative_passages_but_never_positive_wrong():
    cases = load_rgb(RGB_TINY)
    assert [len(c.positive) + len(c.negative) for c in cases] == [3, 3, 3]
    for case in cases:
        assert not any("Bryn Harrow" in p or "Ilse Brand" in p for p in case.positive)
    assert cases[1].parts == [["Mira Tolland", "M. Tolland"], ["Esko Varn"]]


def test_an_answer_needs_every_part_in_any_spelling_ignoring_case():
    parts = [["Mira Tolland", "M. Tolland"], ["Esko Varn"]]
    assert contains_answer(["founded by m. tolland and", "ESKO VARN"], parts)
    assert contains_answer(["Mira\n Tolland with Esko Varn"], parts)  # whitespace runs ignored
    assert not contains_answer(["founded by Mira Tolland alone"], parts)
    assert not contains_answer([], parts)


def test_the_calibration_file_reads_and_a_bad_one_is_one_line(tmp_path):
    cases = load_calibration(CALIBRATION)
    assert len(cases) == 48 and all("q" in c for c in cases)
    assert "expect" in cases[0] and "expect" not in cases[-1]
    bad = tmp_path / "cases.json"
    bad.write_text('{"answerable": []}')
    with pytest.raises(DatasetError, match="cases.json: expected 'answerable' and"):
        load_calibration(bad)


# ------------------------------------------------------------------------ bad data files


def _beir_copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(BEIR_TINY, tmp_path / "beir"))


def _one_line_error(result, *needles: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


@pytest.mark.parametrize(
    "damage, needles",
    [
        (lambda d: (d / "corpus.jsonl").unlink(), ["corpus.jsonl", "no such file"]),
        (
            lambda d: (d / "corpus.jsonl").write_text('{"_id": "d1", "text": "x"}\n{oops\n'),
            ["corpus.jsonl", "line 2", "not JSON"],
        ),
        (
            lambda d: (d / "queries.jsonl").write_text('{"text": "no id"}\n'),
            ["queries.jsonl", "line 1", "'_id'"],
        ),
        (
            lambda d: (d / "qrels" / "test.tsv").write_text("q1\td1\t1\n"),
            ["test.tsv", "header"],
        ),
        (
            lambda d: (d / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1 d1\n"),
            ["test.tsv", "line 2"],
        ),
        (
            lambda d: (d / "qrels" / "test.tsv").write_text(
                "query-id\tcorpus-id\tscore\nq9\td1\t1\n"
            ),
            ["test.tsv", "'q9'", "queries.jsonl"],
        ),
    ],
)
def test_a_bad_beir_file_is_one_line_naming_it(fake_embedder, tmp_path, damage, needles):
    folder = _beir_copy(tmp_path)
    damage(folder)
    result = run_eval(fake_embedder, "retrieval", "--beir", str(folder), "--index", str(tmp_path))
    _one_line_error(result, *needles)


def test_a_missing_beir_folder_is_one_line(fake_embedder, tmp_path):
    result = run_eval(fake_embedder, "retrieval", "--beir", str(tmp_path / "nope"))
    _one_line_error(result, "nope", "no such folder")


@pytest.mark.parametrize(
    "content, needles",
    [
        (None, ["rgb.jsonl", "no such file"]),
        ("", ["no questions"]),
        ('{"query": "q?", "answer": "a", "positive": ["p"], "negative": []}\n[1]\n', ["line 2"]),
        ('{"query": "q?", "positive": ["p"], "negative": []}\n', ["line 1", "'answer'"]),
        ('{"query": "q?", "answer": [], "positive": ["p"], "negative": []}\n', ["'answer'"]),
        ('{"query": "q?", "answer": "a", "positive": "p", "negative": []}\n', ["'positive'"]),
        ('{"query": "", "answer": "a", "positive": ["p"], "negative": []}\n', ["'query'"]),
    ],
)
def test_a_bad_rgb_file_is_one_line_naming_it(fake_embedder, tmp_path, content, needles):
    path = tmp_path / "rgb.jsonl"
    if content is not None:
        path.write_text(content)
    result = run_eval(fake_embedder, "answers", "--rgb", str(path), "--index", str(tmp_path / "ix"))
    _one_line_error(result, "rgb.jsonl", *needles)
