"""`geoqa eval` with the real model: BEIR retrieval metrics, RGB answer evaluation and the
threshold calibration, on tiny invented fixtures."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.eval import PASSAGE_TITLE
from index.store.layout import current_build
from tests.support.paths import FIXTURES, SHIPPED_CORPUS

BEIR_TINY = FIXTURES / "beir_tiny"
RGB_TINY = FIXTURES / "rgb_tiny.jsonl"
METRICS = {"ndcg_at_10", "recall_at_10", "recall_at_100", "mrr_at_10"}


def run_eval(embedder, *args: str):
    return CliRunner().invoke(cli, ["eval", *args], obj={"embedder": embedder})


# --------------------------------------------------------------------------- retrieval


@pytest.mark.parametrize("mode", ["dense", "bm25", "hybrid"])
def test_retrieval_command_scores_the_tiny_beir_set(embedder, tmp_path_factory, mode):
    index_dir = tmp_path_factory.getbasetemp() / "eval-beir-tiny"  # shared: built once
    result = run_eval(
        embedder, "retrieval", "--beir", str(BEIR_TINY), "--mode", mode,
        "--index", str(index_dir), "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report) == METRICS | {"mode", "queries", "documents"}
    assert (report["mode"], report["queries"], report["documents"]) == (mode, 4, 7)
    assert report["recall_at_100"] == 1.0
    assert report["ndcg_at_10"] >= 0.9 and report["mrr_at_10"] >= 0.9


def test_a_second_retrieval_run_reuses_the_index(embedder, tmp_path):
    args = ["retrieval", "--beir", str(BEIR_TINY), "--index", str(tmp_path), "--json"]
    first = run_eval(embedder, *args)
    build = current_build(tmp_path)
    second = run_eval(embedder, *args, "--mode", "bm25")
    assert first.exit_code == second.exit_code == 0
    assert current_build(tmp_path) == build  # the live build was current: nothing rebuilt


def test_retrieval_text_output_names_each_metric(embedder, tmp_path):
    result = run_eval(embedder, "retrieval", "--beir", str(BEIR_TINY), "--index", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "4 queries, 7 documents, mode hybrid" in result.output
    for label in ("nDCG@10", "Recall@10", "Recall@100", "MRR@10"):
        assert label in result.output


# ----------------------------------------------------------------------------- answers


def test_answers_command_reports_accuracy_refusals_and_verbatim_quotes(embedder, tmp_path):
    result = run_eval(
        embedder, "answers", "--rgb", str(RGB_TINY), "--index", str(tmp_path), "--json"
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["n"] == 3 and report["refusal_rate"] == 1.0 and report["verbatim_rate"] == 1.0
    # Measured: the founders and the residents are found; "Which city hosted …?" is refused, its
    # answer named without a preposition ("the harbour city of Port Avelin").
    assert report["accuracy"] >= 2 / 3
    assert report["by_kind"] == {
        "amount": {"correct": 1, "n": 1},
        "person": {"correct": 1, "n": 1},
        "place": {"correct": 0, "n": 1},
    }


class CountingEmbedder:
    """The session's embedder, recording every text it is asked to embed."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.texts: list[str] = []

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def encode(self, texts):
        self.texts.extend(texts)
        return self.inner.encode(texts)


def test_no_passage_is_embedded_twice_within_or_across_runs(embedder, tmp_path):
    counting = CountingEmbedder(embedder)
    args = ["answers", "--rgb", str(RGB_TINY), "--index", str(tmp_path), "--json"]
    assert run_eval(counting, *args).exit_code == 0
    passages = [t for t in counting.texts if t.startswith(f"{PASSAGE_TITLE}\n\n")]
    assert len(passages) == 9  # 3 questions x 3 passages, asked twice each, embedded once
    assert len(counting.texts) == len(set(counting.texts))  # sentences too: each text once
    counting.texts.clear()
    again = run_eval(counting, *args[:-1])  # and as text this time
    assert again.exit_code == 0, again.output
    assert not [t for t in counting.texts if t.startswith(f"{PASSAGE_TITLE}\n\n")]
    for label in ("3 questions", "accuracy", "refusal rate", "verbatim rate"):
        assert label in again.output


def test_calibrate_fits_the_model_on_rgb_and_a_question_set_and_reports_its_accuracy(
    embedder, tmp_path
):
    cases = tmp_path / "cases.json"
    cases.write_text(
        json.dumps(
            {
                "answerable": [
                    {"q": "How much could AI add to Russia's GDP by 2030?", "expect": "11.2"}
                ],
                "unanswerable": [{"q": "Who won the 2022 FIFA World Cup?"}],
            }
        )
    )
    args = ["calibrate", "--rgb", str(RGB_TINY), "--cases", str(cases), "-c", str(SHIPPED_CORPUS)]
    result = run_eval(embedder, *args, "-i", str(tmp_path / "ix"), "--json")
    assert result.exit_code == 0, result.output
    fitted = json.loads(result.stdout)
    assert set(fitted["ranking"]) >= {"cosine", "coverage", "kind", "focus"}
    assert isinstance(fitted["threshold"], float) and 0.2 <= fitted["off_topic_cosine"] <= 0.4
    accuracy = fitted["accuracy"]
    assert accuracy["calibration answerable"] == 1.0 and accuracy["calibration unanswerable"] == 1.0
    assert {"rgb answerable", "rgb negative only", "calibration answer removed"} <= set(accuracy)
