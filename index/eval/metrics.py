"""Retrieval metrics as trec_eval and BEIR compute them: graded gains with a log2 discount, a
document relevant when its grade is above 0, equal scores ordered by document id, descending."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

Qrels = dict[str, dict[str, int]]


def rank(run: Mapping[str, float]) -> list[str]:
    """Document ids by score, best first; equal scores by document id, descending (trec_eval)."""
    return [
        doc for doc, _ in sorted(run.items(), key=lambda item: (item[1], item[0]), reverse=True)
    ]


def ndcg_at(ranked: Sequence[str], judged: Mapping[str, int], k: int) -> float:
    """nDCG@k with graded gains (the qrels score) and a log2(rank + 1) discount."""
    gains = [max(judged.get(doc, 0), 0) for doc in ranked[:k]]
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    ideal = sorted((g for g in judged.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at(ranked: Sequence[str], judged: Mapping[str, int], k: int) -> float:
    """Relevant documents in the top ``k`` over all relevant documents."""
    relevant = {doc for doc, grade in judged.items() if grade > 0}
    if not relevant:
        return 0.0
    return len(relevant.intersection(ranked[:k])) / len(relevant)


def mrr_at(ranked: Sequence[str], judged: Mapping[str, int], k: int) -> float:
    """1 / rank of the first relevant document in the top ``k``, else 0."""
    for i, doc in enumerate(ranked[:k]):
        if judged.get(doc, 0) > 0:
            return 1.0 / (i + 1)
    return 0.0


def score_runs(runs: Mapping[str, Mapping[str, float]], qrels: Qrels) -> dict[str, float]:
    """Mean nDCG@10, Recall@10, Recall@100 and MRR@10 over the queries of ``qrels``."""
    totals = dict.fromkeys(("ndcg_at_10", "recall_at_10", "recall_at_100", "mrr_at_10"), 0.0)
    for qid, judged in qrels.items():
        ranked = rank(runs.get(qid, {}))
        totals["ndcg_at_10"] += ndcg_at(ranked, judged, 10)
        totals["recall_at_10"] += recall_at(ranked, judged, 10)
        totals["recall_at_100"] += recall_at(ranked, judged, 100)
        totals["mrr_at_10"] += mrr_at(ranked, judged, 10)
    n = max(len(qrels), 1)
    return {name: total / n for name, total in totals.items()}
