"""Fitting the answer model, and reading question sets as people type them."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from bot.calibrate import Run, fit_ranking
from bot.eval_natural import load_cases
from bot.features import analyse
from bot.qa import Candidate, Examined
from bot.sentences import Sentence
from index import DatasetError, Filters
from tests.support.paths import REPO


def candidate(text: str, cosine: float, coverage: float) -> Candidate:
    found = Candidate(
        Sentence("a", 0, len(text), text),
        position=0,
        rank=0,
        coverage=coverage,
        context_coverage=coverage,
        focus=1.0,
        unknown=0.0,
        names=1.0,
        context_names=1.0,
        kind=1.0,
    )
    found.cosine, found.relation, found.vector = cosine, cosine, np.ones(2)
    return found


def test_the_ranking_learns_which_evidence_marks_the_sentence_that_answers():
    rng = random.Random(0)
    runs = []
    for n in range(40):
        answer = candidate(f"The answer is {n}.", rng.uniform(0.5, 0.9), rng.uniform(0, 1))
        others = [
            candidate(f"Other sentence {n}-{i}.", rng.uniform(0.0, 0.6), rng.uniform(0, 1))
            for i in range(5)
        ]
        examined = Examined(analyse("What is it?"), [], [answer, *others])
        runs.append(Run(examined, None, [[f"answer is {n}"]], True, "rgb answerable"))
    weights = fit_ranking(runs)
    assert weights.cosine > 1.0 and weights.cosine > abs(weights.coverage)
    first = 0  # and it ranks the answer first in most runs
    for run in runs:
        scores = [weights.logit(c.evidence()) for c in run.examined.candidates]
        first += scores[0] == max(scores)
    assert first >= 0.8 * len(runs)


def test_a_natural_question_file_reads_with_its_filters(tmp_path):
    cases = load_cases(REPO / "bench" / "heldout" / "questions.json")
    assert {c.group for c in cases} == {"answerable", "near_miss", "off_topic"}
    path = tmp_path / "questions.json"
    path.write_text(
        json.dumps(
            {
                "answerable": [
                    {"q": "Who joined?", "expect": "Finland", "args": ["--source", "Wire"]}
                ],
                "near_miss": ["Who chairs it?"],
            }
        )
    )
    first, second = load_cases(path)
    assert first.filters == Filters(source="Wire") and first.expect == ("Finland",)
    assert (second.group, second.expect) == ("near_miss", ())


@pytest.mark.parametrize(
    "content, needle",
    [
        ("not json", "not JSON"),
        ('{"answerable": [{"q": "x", "expect": "y", "args": ["--colour", "red"]}]}', "--colour"),
        ('{"answerable": [{"q": "x"}]}', "expect"),
    ],
)
def test_a_bad_question_file_is_one_line_naming_it(tmp_path, content, needle):
    path = tmp_path / "questions.json"
    path.write_text(content)
    with pytest.raises(DatasetError, match=needle) as raised:
        load_cases(path)
    assert str(path) in str(raised.value)
