"""Building the index: read the corpus, chunk, embed what the cache lacks, write, swap.

A build is incremental through the embedding cache: unchanged chunks are never embedded again,
deleted articles simply are not in the new build, and the new build replaces the old atomically.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from index.articles.model import Article, Skipped
from index.articles.readers import load_corpus
from index.build.chunking import DEFAULT_CHUNKING, Chunk, Chunker, ChunkSettings, embedding_text
from index.build.manifest import FORMAT_VERSION, Manifest
from index.embedders.cache import EmbeddingCache, Progress, embed_cached
from index.embedders.protocol import Embedder
from index.errors import CorpusError
from index.store.layout import build_lock, cache_path
from index.store.lexical import TOKENIZER_VERSION
from index.store.local_target import LocalTarget
from index.store.protocol import BuildData, BuildTarget
from index.util import package_versions

log = logging.getLogger(__name__)

Stage = Callable[[str], None]


@dataclass
class BuildReport:
    """What a build did; ``as_json`` is the ``--json`` summary."""

    articles: int = 0
    chunks: int = 0
    embedded: int = 0
    reused: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    seconds: float = 0.0
    up_to_date: bool = False
    folder: str | None = None

    def as_json(self) -> dict:
        """The summary as one JSON-ready object."""
        return {
            "articles": self.articles,
            "chunks": self.chunks,
            "embedded": self.embedded,
            "reused": self.reused,
            "skipped": len(self.skipped),
            "skipped_files": [{"path": s.path, "reason": s.reason} for s in self.skipped],
            "seconds": round(self.seconds, 3),
            "up_to_date": self.up_to_date,
        }


VERSIONED_PACKAGES = (
    "geoqa",
    "sentence-transformers",
    "torch",
    "onnxruntime",
    "faiss-cpu",
    "bm25s",
    "langchain-text-splitters",
)


def corpus_fingerprint(
    articles: list[Article], model_id: str, chunking: dict, target: dict | str
) -> str:
    """A hash of everything a build depends on: article contents and the build settings
    (``target``: the store and its settings, such as the FAISS kind asked for)."""
    payload = json.dumps(
        {
            "format": FORMAT_VERSION,
            "model": model_id,
            "chunking": chunking,
            "target": target,
            "lexical": TOKENIZER_VERSION,
            "articles": sorted(a.fingerprint for a in articles),
        },
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def build_index(
    corpus_dir: Path,
    index_dir: Path,
    embedder: Embedder,
    *,
    chunk_settings: ChunkSettings = DEFAULT_CHUNKING,
    faiss_kind: str = "auto",
    target: BuildTarget | None = None,
    strict: bool = False,
    if_stale: bool = False,
    progress: Progress | None = None,
    stage: Stage | None = None,
) -> BuildReport:
    """Build the index of ``corpus_dir`` and make it live in ``target``: by default the local
    store in ``index_dir`` with a FAISS index of ``faiss_kind`` (``auto``: by size). The
    embedding cache and the build lock are in ``index_dir`` whatever the target.

    With ``if_stale`` nothing is done (and no model loaded) when the live index already matches
    the corpus and settings and is whole. With ``strict`` any skipped file aborts the build
    before it writes.
    """
    started = time.perf_counter()
    say = stage or (lambda _msg: None)
    target = target or LocalTarget(index_dir, faiss_kind)
    corpus = load_corpus(corpus_dir)
    report = BuildReport(articles=len(corpus.articles), skipped=corpus.skipped)
    if strict and corpus.skipped:
        raise CorpusError(f"{len(corpus.skipped)} file(s) skipped and --strict is set")
    chunking = chunk_settings.as_dict()
    fingerprint = corpus_fingerprint(corpus.articles, embedder.model_id, chunking, target.settings)
    if if_stale:
        live = target.live_manifest()
        if live is not None and live.corpus_fingerprint == fingerprint and target.intact():
            report.chunks, report.up_to_date = live.chunks, True
            report.seconds = time.perf_counter() - started
            return report
    with build_lock(index_dir):
        say("chunking")
        chunks = _chunk_all(corpus.articles, target, embedder, chunk_settings)
        titles = {a.id: a.title for a in corpus.articles}
        texts = [embedding_text(titles[c.article_id], c.text) for c in chunks]
        say("embedding")
        cache = EmbeddingCache(cache_path(index_dir))
        try:
            result = embed_cached(embedder, cache, texts, progress=progress)
        finally:
            cache.close()
        say("writing")
        manifest = _manifest(
            result.vectors.shape[1], corpus.articles, chunks, embedder, chunking, fingerprint
        )
        final = target.publish(BuildData(corpus.articles, chunks, texts, result.vectors, manifest))
    report.chunks, report.embedded, report.reused = len(chunks), result.embedded, result.reused
    report.folder = final
    report.seconds = time.perf_counter() - started
    log.info("built %s: %d articles, %d chunks", final, report.articles, report.chunks)
    return report


def _chunk_all(
    articles: list[Article], target: BuildTarget, embedder: Embedder, settings: ChunkSettings
) -> list[Chunk]:
    """Chunks of every article; unchanged articles reuse the live build's spans."""
    known = target.previous_spans(embedder.model_id, settings.as_dict())
    chunker: Chunker | None = None
    chunks: list[Chunk] = []
    for article in articles:
        spans = known.get(article.text_hash)
        if spans is not None:
            chunks.extend(
                Chunk(article.id, i, start, end, article.text[start:end])
                for i, (start, end) in enumerate(spans)
            )
            continue
        if chunker is None:
            chunker = Chunker(embedder.tokenizer, settings)
        chunks.extend(chunker.split(article))
    return chunks


def _manifest(
    dim: int,
    articles: list[Article],
    chunks: list[Chunk],
    embedder: Embedder,
    chunking: dict,
    fingerprint: str,
) -> Manifest:
    """The manifest of a new build; the target fills in its store, FAISS kind and files."""
    dates = [a.published for a in articles if a.published]
    return Manifest(
        format=FORMAT_VERSION,
        model=embedder.model_id,
        dim=dim,
        chunking=chunking,
        lexical={"engine": "bm25s", "tokenizer": TOKENIZER_VERSION},
        corpus_fingerprint=fingerprint,
        articles=len(articles),
        chunks=len(chunks),
        sources=sorted({a.source for a in articles if a.source}),
        newest_published=max(dates) if dates else None,
        built_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        versions=package_versions(VERSIONED_PACKAGES),
    )
