"""Retrieval evaluation on a BEIR-format data set: nDCG@10, Recall@10/100 and MRR@10.

The data set's documents are written as articles and indexed with geoqa's own pipeline
(:func:`index.build.build_index`, so a second run reuses the embedding cache and skips an
unchanged build). A document is scored by its best chunk. Metrics follow trec_eval / BEIR:
graded gains from the qrels with a log2 discount, a document is relevant when its grade is
above 0, and equal scores are ordered by document id, descending, as trec_eval does.
"""

from __future__ import annotations

import json
import logging
import math
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from index.articles import slugify
from index.build import build_index
from index.chunking import DEFAULT_CHUNKING
from index.embedding import Embedder
from index.errors import GeoqaError
from index.search import Searcher
from index.store import IndexStore

log = logging.getLogger(__name__)

MODES = ("dense", "bm25", "hybrid")
CHUNKS_PER_DOC = 4  # first retrieval depth, in chunks per wanted document; doubled as needed
TITLE_CHARS = 80  # a title-less document is titled by the start of its text

Qrels = dict[str, dict[str, int]]
Stage = Callable[[str], None]


class DatasetError(GeoqaError):
    """An evaluation data file that is missing or malformed; names the file."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")


# ----------------------------------------------------------------------------------- metrics


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


# -------------------------------------------------------------------------------- data sets


@dataclass(frozen=True)
class Document:
    """One BEIR corpus entry."""

    id: str
    title: str
    text: str


@dataclass
class BeirData:
    """A BEIR data set: the corpus, the test queries that have relevant documents, the qrels."""

    name: str
    documents: list[Document]
    queries: dict[str, str]
    qrels: Qrels


def read_text(path: Path) -> str:
    """A data file's text, or a :class:`DatasetError` naming it."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DatasetError(path, "no such file") from None
    except IsADirectoryError:
        raise DatasetError(path, "is a folder, not a file") from None
    except UnicodeDecodeError:
        raise DatasetError(path, "not valid UTF-8") from None
    except OSError as exc:
        raise DatasetError(path, f"cannot read: {exc.strerror}") from None


def read_jsonl(path: Path) -> Iterator[tuple[int, dict]]:
    """``(line number, object)`` for each non-blank line; a bad line is a :class:`DatasetError`."""
    for number, line in enumerate(read_text(path).splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DatasetError(path, f"line {number}: not JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise DatasetError(path, f"line {number}: expected a JSON object")
        yield number, row


def _text_field(path: Path, number: int, row: dict, key: str, required: bool = True) -> str:
    value = row.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise DatasetError(path, f"line {number}: missing or non-text {key!r}")
    return str(value)


def read_corpus(path: Path) -> list[Document]:
    """The documents of ``corpus.jsonl`` (``_id``, ``title``, ``text``)."""
    documents, seen = [], set()
    for number, row in read_jsonl(path):
        doc = Document(
            _text_field(path, number, row, "_id"),
            _text_field(path, number, row, "title", required=False),
            _text_field(path, number, row, "text"),
        )
        if doc.id in seen:
            raise DatasetError(path, f"line {number}: duplicate _id {doc.id!r}")
        seen.add(doc.id)
        documents.append(doc)
    if not documents:
        raise DatasetError(path, "no documents")
    return documents


def read_queries(path: Path) -> dict[str, str]:
    """``_id`` → ``text`` of ``queries.jsonl``."""
    return {
        _text_field(path, number, row, "_id"): _text_field(path, number, row, "text")
        for number, row in read_jsonl(path)
    }


def read_qrels(path: Path) -> Qrels:
    """``query-id`` → {``corpus-id``: grade} from a tab-separated qrels file with a header."""
    qrels: Qrels = {}
    rows = [line.split("\t") for line in read_text(path).splitlines()]
    if not rows or [c.strip() for c in rows[0]] != ["query-id", "corpus-id", "score"]:
        raise DatasetError(path, "expected the header 'query-id<TAB>corpus-id<TAB>score'")
    for number, row in enumerate(rows[1:], 2):
        if not any(c.strip() for c in row):
            continue
        if len(row) != 3 or not row[2].strip().lstrip("-").isdigit():
            raise DatasetError(path, f"line {number}: expected query-id, corpus-id, integer score")
        qrels.setdefault(row[0].strip(), {})[row[1].strip()] = int(row[2])
    if not qrels:
        raise DatasetError(path, "no relevance judgments")
    return qrels


def load_beir(folder: Path, split: str = "test") -> BeirData:
    """Read a BEIR folder; only queries with at least one relevant document are kept."""
    if not folder.is_dir():
        raise DatasetError(folder, "no such folder")
    documents = read_corpus(folder / "corpus.jsonl")
    queries = read_queries(folder / "queries.jsonl")
    qrels_path = folder / "qrels" / f"{split}.tsv"
    qrels = read_qrels(qrels_path)
    missing = sorted(set(qrels) - set(queries))
    if missing:
        raise DatasetError(qrels_path, f"query id {missing[0]!r} is not in queries.jsonl")
    qrels = {q: j for q, j in qrels.items() if any(g > 0 for g in j.values())}
    known = {d.id for d in documents}
    unknown = sum(1 for j in qrels.values() for doc in j if doc not in known)
    if unknown:
        log.warning("%s: %d judged documents are not in corpus.jsonl", qrels_path, unknown)
    return BeirData(folder.name, documents, {q: queries[q] for q in qrels}, qrels)


# ------------------------------------------------------------------------------ the index


def write_article(path: Path, article_id: str, title: str, text: str) -> None:
    """Write one Markdown article whose front matter sets its id and title."""
    meta = yaml.safe_dump({"id": article_id, "title": title}, allow_unicode=True, width=10**6)
    path.write_text(f"---\n{meta}---\n{text}\n", encoding="utf-8")


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


# ------------------------------------------------------------------------------ retrieval


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
            return self.store.lexical.top(query, n)
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
