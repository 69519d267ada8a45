"""The BEIR data set format: ``corpus.jsonl``, ``queries.jsonl`` and ``qrels/<split>.tsv``."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from index.eval.data import DatasetError, read_jsonl, read_text, text_field
from index.eval.metrics import Qrels

log = logging.getLogger(__name__)


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


def read_corpus(path: Path) -> list[Document]:
    """The documents of ``corpus.jsonl`` (``_id``, ``title``, ``text``)."""
    documents, seen = [], set()
    for number, row in read_jsonl(path):
        doc = Document(
            text_field(path, number, row, "_id"),
            text_field(path, number, row, "title", required=False),
            text_field(path, number, row, "text"),
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
        text_field(path, number, row, "_id"): text_field(path, number, row, "text")
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
