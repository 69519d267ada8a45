"""Calibrate the "found" threshold on tests/qa_calibration.json.

    .venv/bin/python bench/calibrate.py [--index DIR] [--json]

Builds (or reuses) an index of corpus/ plus the test fixture articles, asks every question with
the threshold disabled, and reports each question's best sentence score, whether the expected
text was quoted, and the accuracy of every candidate threshold.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bot.qa import QA, THRESHOLD  # noqa: E402
from index.build import build_index  # noqa: E402
from index.embedding import Embedder  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
CASES = REPO / "tests" / "qa_calibration.json"


def quotes_contain(answer, expect: str | list[str]) -> bool:
    """Whether one quote contains ``expect``, or (a list) the quotes together name every item."""
    if isinstance(expect, str):
        return any(expect in q.text for q in answer.quotes)
    joined = "\n".join(q.text for q in answer.quotes)
    return all(item in joined for item in expect)


def score_all(qa: QA) -> list[dict]:
    """Ask each question with no threshold; record the best score and whether it was right."""
    data = json.loads(CASES.read_text())
    rows = []
    for case in data["answerable"] + data["unanswerable"]:
        answer = qa.ask(case["q"])
        best = max((q.score for q in answer.quotes), default=0.0)
        quoted = "expect" in case and quotes_contain(answer, case["expect"])
        rows.append(
            {"q": case["q"], "answerable": "expect" in case, "best": best, "quoted": quoted}
        )
    return rows


def accuracy(rows: list[dict], threshold: float) -> float:
    """Share of questions handled right: answerable ones found and quoted, others refused."""
    right = 0
    for row in rows:
        found = row["best"] >= threshold
        right += (found and row["quoted"]) if row["answerable"] else not found
    return right / len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    embedder = Embedder()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        shutil.copytree(REPO / "corpus", corpus)
        for path in (REPO / "tests" / "fixtures" / "articles").iterdir():
            shutil.copy(path, corpus / path.name)
        build_index(corpus, Path(tmp) / "index", embedder)
        rows = score_all(QA.open(Path(tmp) / "index", embedder, threshold=-10.0))
    grid = sorted({round(r["best"], 3) for r in rows} | {THRESHOLD})
    table = [(t, accuracy(rows, t)) for t in grid]
    best_t, best_acc = max(table, key=lambda ta: (ta[1], -abs(ta[0] - THRESHOLD)))
    result = {
        "threshold": THRESHOLD,
        "accuracy": accuracy(rows, THRESHOLD),
        "best_threshold": best_t,
        "best_accuracy": best_acc,
        "questions": len(rows),
    }
    if args.json:
        print(json.dumps({**result, "rows": rows}))
        return
    for row in sorted(rows, key=lambda r: -r["best"]):
        mark = ("quoted" if row["quoted"] else "MISSED") if row["answerable"] else "-"
        print(f"{row['best']:.3f}  {'A' if row['answerable'] else 'U'}  {mark:6}  {row['q']}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
