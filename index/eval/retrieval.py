"""Retrieval evaluation on a BEIR-format data set: nDCG@10, Recall@10/100 and MRR@10.

The data set's documents are written as articles and indexed with geoqa's own pipeline
(:func:`index.build.builder.build_index`, so a second run reuses the embedding cache and skips
an unchanged build). A document is scored by its best chunk (see :mod:`index.eval.metrics`).
"""

from __future__ import annotations

import logging
import math
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.articles.frontmatter import to_markdown
from index.articles.slugs import slugify
from index.build.builder import build_index
from index.build.chunking import DEFAULT_CHUNKING
from index.embedders.protocol import Embedder
from index.errors import GeoqaError
from index.eval.beir import Document, load_beir
from index.eval.metrics import rank, score_runs
from index.store.index_store import IndexStore
from index.store.search import Searcher

log = logging.getLogger(__name__)

MODES = ("dense", "bm25", "hybrid")
CHUNKS_PER_DOC = 4  # first retrieval depth, in chunks per wanted document; doubled as needed
TITLE_CHARS = 80  # a title-less document is titled by the start of its text

Stage = Callable[[str], None]


def write_article(path: Path, article_id: str, title: str, text: str) -> None:
    """Write one Markdown article whose front matter sets its id and title."""
    path.write_text(to_markdown({"id": article_id, "title": title}, text), encoding="utf-8")


def article_ids(doc_ids: Sequence[str]) -> list[str]:
    """A distinct article id per document id: its slug, made unique where two slugs collide."""
    taken: set[str] = set()
    found = []
    for n, doc_id in enumerate(doc_ids):
        slug = slugify(doc_id) or "doc"
        candidate, extra = slug, n
        while candidate in taken:
            candidate, extra = f"{slug}.{extra}", extra + 1
        taken.add(candidate)
        found.append(candidate)
    return found


def _title(doc: Document) -> str:
    title = " ".join(doc.title.split())
    return title or " ".join(doc.text.split())[:TITLE_CHARS]


def index_documents(
    documents: Sequence[Document], index_dir: Path, embedder: Embedder, stage: Stage | None = None
) -> dict[str, str]:
    """Index the documents as articles into ``index_dir`` (nothing is done when that index is
    already current); returns article id → document id."""
    ids = article_ids([d.id for d in documents])
    with tempfile.TemporaryDirectory(prefix="geoqa-eval-") as tmp:
        for n, (doc, article_id) in enumerate(zip(documents, ids, strict=True)):
            text = doc.text if doc.text.strip() else doc.title
            write_article(Path(tmp) / f"{n:07d}.md", article_id, _title(doc), text)
        report = build_index(Path(tmp), index_dir, embedder, if_stale=True, stage=stage)
    for skipped in report.skipped:
        log.warning("document not indexed: %s", skipped.reason)
    log.info("eval index %s: %d chunks (embedded %d)", index_dir, report.chunks, report.embedded)
    return dict(zip(ids, (d.id for d in documents), strict=True))


class DocumentRetriever:
    """Ranks documents by their best chunk, in one of three modes: dense, bm25 or hybrid."""

    def __init__(self, store: IndexStore, embedder: Embedder, doc_of: Mapping[str, str]) -> None:
        self.store = store
        self.searcher = Searcher(store, embedder)
        self.doc_of_row = [doc_of[store.articles[int(i)].id] for i in store.chunk_article]

    def chunks(self, mode: str, query: str, vector: np.ndarray, n: int) -> list[tuple[int, float]]:
        """The best ``n`` chunks as ``(row, score)``, best first."""
        if mode == "dense":
            return self.searcher.dense(vector, n)
        if mode == "bm25":
            return self.store.lexical_top(query, n)
        hits = self.searcher.search(query, k=n, vector=vector, candidates=n)
        return [(hit.row, hit.score) for hit in hits]

    def documents(self, mode: str, query: str, vector: np.ndarray, k: int) -> dict[str, float]:
        """Up to ``k`` documents → best chunk score, retrieving ever more chunks until ``k``
        distinct documents came back (or every chunk was seen)."""
        n = min(k * CHUNKS_PER_DOC, self.store.size)
        while True:
            best: dict[str, float] = {}
            found = self.chunks(mode, query, vector, n)
            for row, score in found:
                doc = self.doc_of_row[row]
                best[doc] = max(score, best.get(doc, -math.inf))
            if len(best) >= k or n >= self.store.size or len(found) < n:
                break
            n = min(2 * n, self.store.size)
        return {doc: best[doc] for doc in rank(best)[:k]}


@dataclass(frozen=True)
class RetrievalReport:
    """The outcome of one retrieval evaluation; ``as_json`` is the ``--json`` object."""

    dataset: str
    mode: str
    queries: int
    documents: int
    metrics: dict[str, float]

    def as_json(self) -> dict:
        """The metrics and counts as one JSON-ready object."""
        rounded = {name: round(value, 4) for name, value in self.metrics.items()}
        return {**rounded, "mode": self.mode, "queries": self.queries, "documents": self.documents}


def evaluate_retrieval(
    folder: Path,
    index_dir: Path,
    embedder: Embedder,
    mode: str = "hybrid",
    k: int = 100,
    stage: Stage | None = None,
) -> RetrievalReport:
    """Index a BEIR folder (or reuse its index) and score ``mode`` retrieval of its test
    queries, ``k`` documents deep."""
    if mode not in MODES:
        raise GeoqaError(f"unknown retrieval mode {mode!r} (expected one of {', '.join(MODES)})")
    data = load_beir(folder)
    doc_of = index_documents(data.documents, index_dir, embedder, stage)
    store = IndexStore.open(index_dir, embedder.model_id, DEFAULT_CHUNKING.as_dict())
    try:
        retriever = DocumentRetriever(store, embedder, doc_of)
        qids = list(data.queries)
        if stage is not None:
            stage(f"searching {len(qids)} queries ({mode})")
        vectors = embedder.encode([data.queries[q] for q in qids])
        runs = {
            qid: retriever.documents(mode, data.queries[qid], vector, k)
            for qid, vector in zip(qids, vectors, strict=True)
        }
    finally:
        store.close()
    metrics = score_runs(runs, data.qrels)
    return RetrievalReport(data.name, mode, len(qids), len(data.documents), metrics)
